"""All SQL of placement: confirmed cases to learn from, learned names, and registry names."""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from cityloop.areas.elements.models import KeyPlace, StandardAddress
from cityloop.areas.elements.repository import scope_elements
from cityloop.areas.placement.models import PlaceName
from cityloop.cases.models import Case
from cityloop.cases.repository import scoped_cases
from cityloop.cases.states import State
from cityloop.kit.auth import SYSTEM
from cityloop.kit.clock import utcnow

_BATCH = 1000


def confirmed_cases(session: Session) -> Iterator[tuple[str, str, str, str, dict[str, object]]]:
    """(title, content, address, division, suggestions) of closed cases a person verified on site, by district+."""
    stmt = (
        scoped_cases(SYSTEM)
        .where(Case.state == State.CLOSED, Case.verified_at.is_not(None), func.length(Case.division_code) >= 6)
        .order_by(Case.id)
    )
    for case in session.scalars(stmt.execution_options(yield_per=_BATCH)):
        yield case.title, case.content, case.address, case.division_code, dict(case.suggestions or {})


def replace_names(session: Session, counts: Iterable[tuple[str, str, int]]) -> int:
    """Replace the learned names with new (name, division, cases) rows; returns how many were stored."""
    session.execute(delete(PlaceName))
    now = utcnow()
    rows = [PlaceName(name=n, division_code=d, cases=c, learned_at=now) for n, d, c in counts]
    session.add_all(rows)
    session.flush()
    return len(rows)


def learned_names(session: Session) -> list[tuple[str, str, int]]:
    """(name, division, cases) of every learned name."""
    stmt = select(PlaceName.name, PlaceName.division_code, PlaceName.cases).order_by(PlaceName.id)
    return [(n, d, c) for n, d, c in session.execute(stmt)]


def registry_names(session: Session) -> Iterator[tuple[str, str]]:
    """(name, division) of roads, communities and POIs of standard addresses, and of key places (system scope)."""
    parts = scope_elements(select(StandardAddress.road, StandardAddress.community, StandardAddress.poi,
                                  StandardAddress.division_code), StandardAddress, SYSTEM)
    for road, community, poi, division in session.execute(parts):
        for name in (road, community, poi):
            if name:
                yield name, division
    places = scope_elements(select(KeyPlace.name, KeyPlace.division_code), KeyPlace, SYSTEM)
    for name, division in session.execute(places):
        yield name, division


def fingerprint(session: Session) -> tuple[str, ...]:
    """Cheap summary that changes whenever learned names, standard addresses or key places change."""
    learned = select(func.count(PlaceName.id), func.max(PlaceName.learned_at))
    addresses = scope_elements(
        select(func.count(StandardAddress.id), func.max(StandardAddress.updated_at)), StandardAddress, SYSTEM
    )
    places = scope_elements(select(func.count(KeyPlace.id), func.max(KeyPlace.updated_at)), KeyPlace, SYSTEM)
    return tuple(str(v) for stmt in (learned, addresses, places) for v in session.execute(stmt).one())
