"""All SQL of early warning: case aggregates (through the cases scoping helper) and alert reads/writes."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date, datetime
from typing import Any

from sqlalchemy import Select, false, func, select
from sqlalchemy.orm import InstrumentedAttribute, Session

from cityloop.accounts.models import Unit
from cityloop.areas.divisions.models import Division
from cityloop.cases import repository as cases_repo
from cityloop.cases.kpi import LocalDay
from cityloop.cases.models import Case
from cityloop.cases.states import State
from cityloop.intel.alerts.models import Alert, AlertEvent
from cityloop.kit.auth import SYSTEM, Role, Subject

STREET_LENGTH = 9
CHUNK = 500
# Columns a repeat can be keyed on (warnings.Record attribute → case column).
REPEAT_COLUMNS: dict[str, InstrumentedAttribute[Any]] = {
    "place": Case.address, "caller": Case.reporter_phone_index,
}


def _window(stmt: Select[Any], start: datetime, end: datetime) -> Select[Any]:
    # Invalid cases are noise (spam, tests); merged duplicates still count: each is a person complaining.
    return stmt.where(Case.received_at >= start, Case.received_at < end, Case.state != State.INVALID)


def daily_counts(session: Session, start: datetime, end: datetime) -> list[tuple[str, str, str, str | None, int]]:
    """(local day, category, street-level division, grid, count) of all cases received in [start, end)."""
    day = LocalDay(Case.received_at)
    area = func.substr(Case.division_code, 1, STREET_LENGTH)
    stmt = cases_repo.scope_filter(
        select(day, Case.category_code, area, Case.grid_code, func.count()).select_from(Case), SYSTEM)
    stmt = _window(stmt, start, end).where(Case.category_code.is_not(None))
    rows = session.execute(stmt.group_by(day, Case.category_code, area, Case.grid_code))
    return [(str(d), str(c), str(a), g, int(n)) for d, c, a, g, n in rows]


def repeated_values(session: Session, attr: str, start: datetime, end: datetime, at_least: int) -> list[str]:
    """Values of a repeat column (address, caller index) shared by ≥ `at_least` cases received in [start, end)."""
    column = REPEAT_COLUMNS[attr]
    stmt = cases_repo.scope_filter(select(column).select_from(Case), SYSTEM)
    stmt = _window(stmt, start, end).where(column.is_not(None), column != "")
    return [str(v) for v in session.scalars(stmt.group_by(column).having(func.count() >= at_least))]


def cases_with(session: Session, attr: str, values: Sequence[str], start: datetime,
               end: datetime) -> list[dict[str, Any]]:
    """Id, time, category, division, grid, address and caller index of the window's cases with those values."""
    column = REPEAT_COLUMNS[attr]
    out: list[dict[str, Any]] = []
    for i in range(0, len(values), CHUNK):
        stmt = cases_repo.scope_filter(
            select(Case.id, Case.received_at, Case.category_code, Case.division_code, Case.grid_code,
                   Case.address, Case.reporter_phone_index).select_from(Case), SYSTEM)
        stmt = _window(stmt, start, end).where(column.in_(values[i:i + CHUNK]))
        out += [dict(r) for r in session.execute(stmt).mappings()]
    return out


def case_texts(session: Session, subject: Subject, division_code: str | None, start: datetime, end: datetime,
               limit: int) -> list[dict[str, Any]]:
    """The newest `limit` visible cases received in [start, end): id, title, content, address, time, caller."""
    stmt = cases_repo.scope_filter(
        select(Case.id, Case.title, Case.content, Case.address, Case.received_at, Case.reporter_phone_index,
               Case.division_code).select_from(Case), subject)
    if division_code:
        stmt = stmt.where(Case.division_code.startswith(division_code, autoescape=True))
    stmt = _window(stmt, start, end).order_by(Case.received_at.desc(), Case.id.desc()).limit(limit)
    return [dict(r) for r in session.execute(stmt).mappings()]


# ---- Alerts (scoped by their division code, like cases) ----------------------------------------------------------


def alert_scope(stmt: Select[Any], subject: Subject) -> Select[Any]:
    """Restrict a statement over `Alert` to the subject's area subtree."""
    if Role.SYSTEM in subject.roles:
        return stmt
    if not subject.is_staff or not subject.scope:
        return stmt.where(false())
    return stmt.where(Alert.division_code.startswith(subject.scope, autoescape=True))


def taken_keys(session: Session, days: Iterable[date]) -> set[tuple[str, date, str]]:
    """(kind, day, key) of every alert already raised on those days, whatever its state."""
    stmt = select(Alert.kind, Alert.day, Alert.key).where(Alert.day.in_(list(days)))
    return {(k, d, key) for k, d, key in session.execute(stmt)}


def active_keys(session: Session, kinds: Iterable[str], since: date, states: Iterable[str]) -> set[tuple[str, str]]:
    """(kind, key) of alerts of those kinds raised since `since` that are still in `states`."""
    stmt = select(Alert.kind, Alert.key).where(Alert.kind.in_(list(kinds)), Alert.day >= since,
                                               Alert.state.in_(list(states)))
    return {(k, key) for k, key in session.execute(stmt)}


def list_alerts(session: Session, subject: Subject, filters: dict[str, Any], offset: int,
                limit: int) -> tuple[list[Alert], int]:
    """A page of visible alerts, newest day first, and the total."""
    stmt = alert_scope(select(Alert), subject)
    for key in ("state", "kind"):
        value = filters.get(key)
        if value:
            column = getattr(Alert, key)
            stmt = stmt.where(column.in_(value) if isinstance(value, list | tuple | set | frozenset)
                              else column == value)
    if filters.get("division_code"):
        stmt = stmt.where(Alert.division_code.startswith(filters["division_code"], autoescape=True))
    if filters.get("day_from"):
        stmt = stmt.where(Alert.day >= filters["day_from"])
    if filters.get("day_to"):
        stmt = stmt.where(Alert.day <= filters["day_to"])
    total = int(session.scalar(select(func.count()).select_from(stmt.subquery())) or 0)
    stmt = stmt.order_by(Alert.day.desc(), Alert.p_value.asc(), Alert.id.desc())
    return list(session.scalars(stmt.offset(offset).limit(limit))), total


def get_alert(session: Session, subject: Subject, alert_id: int) -> Alert | None:
    """One alert if the subject may see it."""
    return session.scalar(alert_scope(select(Alert), subject).where(Alert.id == alert_id))


def events_of(session: Session, alert_ids: Sequence[int]) -> list[AlertEvent]:
    """History of those alerts, oldest first."""
    if not alert_ids:
        return []
    stmt = select(AlertEvent).where(AlertEvent.alert_id.in_(list(alert_ids)))
    return list(session.scalars(stmt.order_by(AlertEvent.id)))


def supervising_units(session: Session) -> list[tuple[int, str]]:
    """(id, division) of active centres and area offices: the units alerts are routed to."""
    stmt = select(Unit.id, Unit.division_code).where(Unit.is_active.is_(True),
                                                     Unit.kind.in_(["center", "area_office"]))
    return [(i, d) for i, d in session.execute(stmt.order_by(Unit.id))]


def division_names(session: Session, codes: Iterable[str]) -> dict[str, str]:
    """Names of those divisions."""
    wanted = sorted({c for c in codes if c})
    if not wanted:
        return {}
    rows = session.execute(select(Division.code, Division.name).where(Division.code.in_(wanted)))
    return {code: name for code, name in rows}
