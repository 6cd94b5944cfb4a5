"""Intake hook: a case with no point and no placeable address is placed from its text, on evidence only."""

from __future__ import annotations

from sqlalchemy.orm import Session

from cityloop.areas.divisions.gazetteer import gazetteer
from cityloop.areas.placement.learning import lexicon_for
from cityloop.areas.placement.service import place
from cityloop.cases.intake import Placement
from cityloop.cases.schemas import CaseIn
from cityloop.config import get_settings


def place_text(session: Session, data: CaseIn) -> Placement:
    """Division from title, content and address text; the evidence (or why none) goes to the case's suggestions."""
    loc = data.location
    if loc.lng is not None and loc.lat is not None:
        return Placement(None, None)  # a point is better evidence than any text; the grid locator owns it
    text = "。".join(part for part in (data.title, data.content, loc.address or "") if part)
    result = place(text, within=get_settings().city_code, lexicon=lexicon_for(session))
    evidence: dict[str, object] = {**result.to_dict(), "source": "text", "applied": result.division_code is not None}
    if result.division_code is not None:
        evidence["division_name"] = gazetteer().display_name(result.division_code)
    return Placement(result.division_code, None, evidence=evidence)


def register() -> None:
    """Add `place_text` to the intake locators after the address locator (idempotent)."""
    from cityloop.cases import intake

    if place_text not in intake.locators:
        intake.locators.append(place_text)
