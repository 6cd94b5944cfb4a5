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
from cityloop.services.places import repository as place_repo

DATA = Path(__file__).resolve().parent / "data"
TYPE_CODES = {"行政许可": "XK", "行政给付": "JF", "行政确认": "QR", "公共服务": "GG", "行政征收": "ZS",
              "行政裁决": "CJ", "行政奖励": "JL", "其他行政权力": "QT"}
SELF = {"zh": "是否本人（或法定代表人）办理？", "en": "Do you apply in person (or as the legal representative)?"}


def _written_items() -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = json.loads((DATA / "items.json").read_text(encoding="utf-8"))
    return rows


def _compact_items() -> list[dict[str, Any]]:
    """Items of items_more.json: each gets the 本人/委托 question whose `no` asks for the agent's papers."""
    data = json.loads((DATA / "items_more.json").read_text(encoding="utf-8"))
    agent: list[str] = data["agent"]
    rows = []
    for number, unit, kind, obj, (legal, promised), channels, themes, keywords, name, materials in data["items"]:
        guide = {"start": "self", "questions": {"self": {**SELF, "options": {
            "yes": {"zh": "是", "en": "Yes", "next": None},
            "no": {"zh": "否，委托他人", "en": "No, through an agent", "materials": agent, "next": None}}}}}
        rows.append({"code": f"330100-{TYPE_CODES[kind]}-{number}-01", "basic_code": f"000123{number}00Y",
                     "name": name, "item_type": kind, "service_object": obj, "unit": unit, "division_code": "330100",
                     "legal_days": legal, "promised_days": promised, "fees": "不收费", "channels": channels,
                     "themes": themes, "keywords": keywords,
                     "materials": ";".join([*(f"{m}*1" for m in materials), *(f"{m}*1?" for m in agent)]),
                     "guide": guide})
    return rows


def catalogue_csv() -> bytes:
    """The demo items (data/items.json and data/items_more.json) as an import CSV."""
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=list(COLUMNS))
    writer.writeheader()
    for row in [*_written_items(), *_compact_items()]:
        guide = row.get("guide")
        writer.writerow({**row, "guide": json.dumps(guide, ensure_ascii=False) if guide else ""})
    return buffer.getvalue().encode("utf-8")


def seed(session: Session, if_empty: bool = False) -> dict[str, Any]:
    """Import the demo catalogue (skipped with `if_empty` when items exist)."""
    if if_empty and repo.any_item(session):
        return {"skipped": True}
    report = items.import_file(session, SYSTEM, catalogue_csv(), "demo-items.csv")
    return {"created": report.created, "versioned": report.versioned, "unchanged": report.unchanged,
            **seed_bundles_and_places(session)}


def seed_bundles_and_places(session: Session) -> dict[str, int]:
    """The demo bundles and places (a place handles the items of its themes); skipped when present."""
    from cityloop.services.bundles import repository as bundles_repo
    from cityloop.services.bundles.models import Bundle
    from cityloop.services.places.models import Place

    have = bundles_repo.all_codes(session)
    bundles = json.loads((DATA / "bundles.json").read_text(encoding="utf-8"))
    for b in bundles:
        if b["code"] not in have:
            session.add(Bundle(code=b["code"], name=b["name"], description=b["description"], item_codes=b["items"],
                               themes=b["themes"], keywords=b["keywords"]))
    live = repo.all_active(session)
    places = json.loads((DATA / "places.json").read_text(encoding="utf-8"))
    for p in places:
        themes = set(p.pop("themes"))
        p["item_codes"] = [i.code for i in live if themes & set(i.themes) or "window" in i.channels and
                           p["level"] == "市级"]
        if place_repo.by_code(session, p["code"]) is None:
            session.add(Place(**p))
    session.commit()
    return {"bundles": len(bundles), "places": len(places)}


def seed_all(session: Session, if_empty: bool = False, days: int = 90) -> dict[str, Any]:
    """Catalogue, bundles and places, then `days` days of applications (when the demo users exist)."""
    from cityloop.services.demo.history import seed_history

    report = seed(session, if_empty)
    if report.get("skipped"):
        return report
    return {**report, **seed_history(session, days)}
