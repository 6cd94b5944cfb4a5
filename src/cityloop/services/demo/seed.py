"""Load the demo catalogue through the catalogue import (so the demo exercises the same checks)."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session

from cityloop.kit.auth import SYSTEM
from cityloop.services.items import repository as repo
from cityloop.services.items import service as items
from cityloop.services.items.rows import COLUMNS

DATA = Path(__file__).resolve().parent / "data"


def catalogue_csv() -> bytes:
    """The demo items (data/items.json) as an import CSV."""
    rows: list[dict[str, Any]] = json.loads((DATA / "items.json").read_text(encoding="utf-8"))
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=list(COLUMNS))
    writer.writeheader()
    for row in rows:
        guide = row.get("guide")
        writer.writerow({**row, "guide": json.dumps(guide, ensure_ascii=False) if guide else ""})
    return buffer.getvalue().encode("utf-8")


def seed(session: Session, if_empty: bool = False) -> dict[str, Any]:
    """Import the demo catalogue (skipped with `if_empty` when items exist)."""
    if if_empty and repo.any_item(session):
        return {"skipped": True}
    report = items.import_file(session, SYSTEM, catalogue_csv(), "demo-items.csv")
    return {"created": report.created, "versioned": report.versioned, "unchanged": report.unchanged}
