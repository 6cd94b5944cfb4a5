"""Reference lists the forms need: divisions of the city, leaf categories, units, address suggestions."""

from __future__ import annotations

import logging
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from cityloop.accounts.models import Unit
from cityloop.areas.divisions.models import Division
from cityloop.cases import repository as cases_repo
from cityloop.config import get_settings

log = logging.getLogger("cityloop.web")


@dataclass(frozen=True)
class Option:
    """One choice of a select box."""

    value: str
    label: str


def divisions(session: Session, max_level: int = 4) -> list[Option]:
    """Districts and streets of this deployment's city, indented by level."""
    city = get_settings().city_code
    stmt = (select(Division).where(Division.code.startswith(city, autoescape=True), Division.level <= max_level)
            .order_by(Division.code).limit(2000))
    return [Option(d.code, ("　" * max(d.level - 2, 0)) + d.name) for d in session.scalars(stmt)]


def division_names(session: Session, codes: set[str]) -> dict[str, str]:
    """Names of the given division codes."""
    if not codes:
        return {}
    return {d.code: d.name for d in session.scalars(select(Division).where(Division.code.in_(codes)))}


def leaf_categories(session: Session) -> list[Option]:
    """Leaf categories (问题表现) of the active taxonomy with their parents' names."""
    version = cases_repo.active_version(session)
    if version is None:
        return []
    cats = cases_repo.categories_of(session, version.id)
    names = {c.code: c.name for c in cats}
    return [Option(c.code, f"{names.get(c.parent_code or '', '')} / {c.name}") for c in cats if c.level == 3]


def category_keywords(session: Session) -> list[tuple[str, str, list[str]]]:
    """(code, name, keywords) of leaf categories, for keyword suggestions."""
    version = cases_repo.active_version(session)
    if version is None:
        return []
    return [(c.code, c.name, [k for k in c.keywords.split() if k])
            for c in cases_repo.categories_of(session, version.id) if c.level == 3]


def units(session: Session) -> list[Unit]:
    """Units that can receive cases."""
    return sorted(cases_repo.active_units(session), key=lambda u: (u.division_code, u.id))


def address_suggestion(text: str, within: str | None = None) -> dict[str, object] | None:
    """The standardised form of an address (areas module), or None when it cannot be resolved."""
    if len(text.strip()) < 4:
        return None
    try:
        from cityloop.areas.addresses.standardizer import standardize
    except ImportError:  # areas module not installed in this build
        return None
    try:
        result = standardize(text, within=within or get_settings().city_code)
    except Exception:  # a suggestion must never break the form
        log.warning("address suggestion failed", exc_info=True)
        return None
    if not result.division_code or result.confidence < 0.3:
        return None
    parts = [result.province, result.city, result.district, result.town, result.community, result.road,
             result.number, result.poi, result.building]
    return {"text": "".join(p for p in parts if p), "division_code": short_code(result.division_code),
            "confidence": result.confidence, "lng": result.lng, "lat": result.lat}


def short_code(code: str) -> str:
    """A 12-digit statistical code without its zero padding (330106002000 → 330106002)."""
    for full, short in ((12, 9), (9, 6), (6, 4)):
        if len(code) == full and code[short:] == "0" * (full - short):
            code = code[:short]
    return code
