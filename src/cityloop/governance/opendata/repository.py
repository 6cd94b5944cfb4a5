"""The SQL behind each open dataset; every query reads only columns that hold no personal data."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from typing import Any

from sqlalchemy import case, func, select
from sqlalchemy.orm import Session

from cityloop.areas.divisions.models import Division
from cityloop.areas.grids.models import Grid, GridStatus
from cityloop.cases.kpi import LocalMonth
from cityloop.cases.models import Case
from cityloop.cases.repository import active_version, categories_of, scope_filter
from cityloop.cases.states import State
from cityloop.kit.auth import SYSTEM
from cityloop.services.items.repository import all_active
from cityloop.services.places.repository import all_places

_NOT_COUNTED = (State.MERGED, State.INVALID)


def monthly_case_counts(session: Session) -> list[tuple[str, str, str, int, int]]:
    """(month, district code, category code, cases, closed) over every counted case, city-wide."""
    month = LocalMonth(Case.received_at)
    district = func.substr(Case.division_code, 1, 6)
    closed = func.sum(case((Case.state == State.CLOSED, 1), else_=0))
    stmt = scope_filter(select(month, district, func.coalesce(Case.category_code, ""), func.count(), closed)
                        .where(Case.state.not_in(_NOT_COUNTED)).group_by(month, district, Case.category_code), SYSTEM)
    return [(m, d, c, int(n), int(k or 0)) for m, d, c, n, k in session.execute(stmt)]


def received_span(session: Session) -> tuple[datetime | None, datetime | None]:
    """First and last receipt time of the counted cases."""
    stmt = scope_filter(select(func.min(Case.received_at), func.max(Case.received_at))
                        .where(Case.state.not_in(_NOT_COUNTED)), SYSTEM)
    first, last = session.execute(stmt).one()
    return first, last


def category_roots(session: Session) -> dict[str, tuple[str, str, str]]:
    """Each category code of the active taxonomy → its top-level (code, name, English name)."""
    version = active_version(session)
    if version is None:
        return {}
    categories = {c.code: c for c in categories_of(session, version.id)}
    roots: dict[str, tuple[str, str, str]] = {}
    for code, cat in categories.items():
        top, seen = cat, {code}
        while top.parent_code and top.parent_code in categories and top.parent_code not in seen:
            seen.add(top.parent_code)
            top = categories[top.parent_code]
        roots[code] = (top.code, top.name, top.name_en or top.name)
    return roots


def division_names(session: Session, codes: set[str]) -> dict[str, str]:
    """Names of the given division codes."""
    if not codes:
        return {}
    rows = session.execute(select(Division.code, Division.name).where(Division.code.in_(sorted(codes))))
    return {code: name for code, name in rows}


def service_item_rows(session: Session) -> list[dict[str, Any]]:
    """Active service items, without the internal guide."""
    return [{"code": i.code, "name": i.name, "item_type": i.item_type, "service_object": i.service_object,
             "unit_name": i.unit_name, "division_code": i.division_code, "legal_days": i.legal_days,
             "promised_days": i.promised_days, "fees": i.fees, "enquiry_phone": i.phone,
             "channels": ";".join(str(c) for c in i.channels)} for i in all_active(session)]


def place_rows(session: Session) -> list[dict[str, Any]]:
    """Service places (the public enquiry line of a place is public information)."""
    return [{"code": p.code, "name": p.name, "level": p.level, "address": p.address,
             "division_code": p.division_code, "lng": p.lng, "lat": p.lat, "hours": p.hours, "phone": p.phone}
            for p in all_places(session)]


def active_grids(session: Session) -> Iterator[Grid]:
    """Grids in use, in code order."""
    stmt = select(Grid).where(Grid.status == GridStatus.ACTIVE).order_by(Grid.code)
    yield from session.scalars(stmt).yield_per(500)
