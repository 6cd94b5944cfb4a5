"""Print catalogue stanzas (fields.yaml) for the columns not declared yet, to paste and then grade by hand."""

from __future__ import annotations

import sys
from itertools import groupby

import cityloop.models as models
from cityloop.governance.catalogue.service import undeclared

lines: list[str] = []
for table, columns in groupby((name.split(".", 1) for name in undeclared(models.Base.metadata)), key=lambda p: p[0]):
    lines.append(f"{table}:")
    lines += [f"  {column}: 一般" for _table, column in columns]
sys.stdout.write("\n".join(lines) + ("\n" if lines else ""))
