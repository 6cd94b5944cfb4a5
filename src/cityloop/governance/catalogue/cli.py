"""`cityloop governance catalogue --out FILE.xlsx`: the field catalogue as a spreadsheet."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

governance_app = typer.Typer(help="Data governance: the field catalogue", no_args_is_help=True)
HEADER = ["表 table", "字段 column", "级别 level", "个人信息 PI", "敏感个人信息 sensitive PI", "脱敏规则 masking"]


@governance_app.command("catalogue")
def catalogue_command(out: Annotated[Path, typer.Option("--out", help="XLSX (or .csv) file to write")]) -> None:
    """Write every column's grade, personal-information class and masking rule."""
    from cityloop.governance.catalogue.service import LEVEL_EN, fields
    from cityloop.kit.spreadsheet import to_bytes

    rows = [[f.table, f.column, f"{f.level} {LEVEL_EN[f.level]}", "是 yes" if f.pi else "否 no",
             "是 yes" if f.sensitive else "否 no", f.mask or ""] for f in fields()]
    out.write_bytes(to_bytes(HEADER, rows, "csv" if out.suffix == ".csv" else "xlsx", sheet="catalogue"))
    typer.echo(f"{len(rows)} columns → {out}")
