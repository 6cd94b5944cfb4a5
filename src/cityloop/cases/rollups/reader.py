"""KPI statements over the rollups: the same counts as cases.kpi, from a few thousand rows instead of every case."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from typing import Any

from sqlalchemy import ColumnElement, Float, Select, cast, func, literal, null, select, union_all

from cityloop.cases import kpi
from cityloop.cases.models import Case
from cityloop.cases.repository import scope_by_columns
from cityloop.cases.rollups.models import COUNT_COLUMNS, DIVISION_LENGTH, CaseAreaRollup, CaseRollup
from cityloop.cases.rollups.service import fresh_state
from cityloop.config import get_settings
from cityloop.kit.auth import Subject
from cityloop.kit.clock import LOCAL_TZ, to_local


def _table(query: kpi.KpiQuery, by: str | None = None) -> Any:
    """The street × unit rollup when no category or channel is asked for, else the full one."""
    if query.category_code or query.channel or by in ("category", "channel"):
        return CaseRollup
    return CaseAreaRollup


def aligned(query: kpi.KpiQuery) -> bool:
    """True when the period starts and ends on local midnights (or is open), so whole rollup days cover it."""
    return all(v is None or to_local(v).timetz().replace(tzinfo=None) == time.min for v in (query.start, query.end))


def _usable(session: Any, subject: Subject, query: kpi.KpiQuery, force: bool) -> bool:
    """Rollups answer when switched on, fresh, and the period starts and ends on local midnights."""
    if not aligned(query) or max(len(query.division_code or ""), len(subject.scope)) > DIVISION_LENGTH:
        return False  # rollups keep streets; a community is answered from the cases
    if force:
        return True
    mode = get_settings().kpi_rollups
    if mode == "off":
        return False
    max_age = timedelta(seconds=get_settings().rollup_seconds * 3)
    return mode == "on" or fresh_state(session, max_age) is not None


def _day(value: datetime) -> str:
    return to_local(value).date().isoformat()


def _rollup_sums(subject: Subject, query: kpi.KpiQuery, now: datetime, key: Any | None, r: Any) -> Select[Any]:
    today = _day(now)
    columns: list[ColumnElement[Any]] = [] if key is None else [key.label("key")]
    columns += [func.sum(getattr(r, name)).label(name) for name in COUNT_COLUMNS]
    # Open cases due on a day before today are overdue; today's are counted live below.
    columns.append(func.coalesce(func.sum(r.due_open).filter(r.day < today), 0).label("overdue_count"))
    columns.append(cast(func.sum(r.hours), Float).label(kpi.HOURS_KEY))
    stmt = _filtered(scope_by_columns(select(*columns), subject, r.division_code, r.unit_id), query, r)
    return stmt if key is None else stmt.group_by(key)


def _filtered(stmt: Select[Any], query: kpi.KpiQuery, r: Any) -> Select[Any]:
    stmt = kpi.narrowed(stmt, query, r)
    if query.start:
        stmt = stmt.where(r.day >= _day(query.start))
    if query.end:
        stmt = stmt.where(r.day < _day(query.end))
    return stmt


def _live_today(subject: Subject, query: kpi.KpiQuery, now: datetime, key: Any | None) -> Select[Any]:
    """Open cases due earlier today whose deadline has passed: the only clock-bound count."""
    today_start = datetime.combine(to_local(now).date(), time.min, tzinfo=LOCAL_TZ)
    columns: list[ColumnElement[Any]] = [] if key is None else [key.label("key")]
    columns += [literal(0).label(name) for name in COUNT_COLUMNS]
    columns += [func.count().label("overdue_count"), cast(null(), Float).label(kpi.HOURS_KEY)]
    stmt = kpi.scoped(subject, query, columns, period_column="deadline")
    stmt = stmt.where(Case.deadline >= today_start, Case.deadline < now, Case.state.in_(kpi.OVERDUE_STATES))
    return stmt if key is None else stmt.group_by(key)


def _summed(parts: Any, key: bool) -> Select[Any]:
    sums = [func.sum(parts.c[name]).label(name) for name in (*COUNT_COLUMNS, "overdue_count", kpi.HOURS_KEY)]
    if not key:
        return select(*sums)
    return select(parts.c.key, *sums).group_by(parts.c.key)


def report_statement(session: Any, subject: Subject, query: kpi.KpiQuery, now: datetime,
                     force: bool = False) -> Select[Any] | None:
    """The KPI report's statement over rollups, or None when they cannot answer this query."""
    if not _usable(session, subject, query, force):
        return None
    r = _table(query)
    parts = union_all(_rollup_sums(subject, query, now, None, r), _live_today(subject, query, now, None)).subquery()
    return _summed(parts, key=False)


def _keys(subject: Subject, query: kpi.KpiQuery, by: kpi.By, r: Any) -> tuple[Any, Any]:
    """The group key over rollups and over cases (for today's live part)."""
    if by == "division":
        length = kpi.child_length(query.division_code or subject.scope)
        return func.substr(r.division_code, 1, length), func.substr(Case.division_code, 1, length)
    if by == "unit":
        return func.nullif(r.unit_id, 0), Case.unit_id
    if by == "category":
        return func.nullif(r.category_code, ""), Case.category_code
    if by == "channel":
        return r.channel, Case.channel
    if by == "day":
        return r.day, kpi.LocalDay(Case.deadline)
    return func.substr(r.day, 1, 7), kpi.LocalMonth(Case.deadline)


def breakdown_statement(session: Any, subject: Subject, query: kpi.KpiQuery, now: datetime,
                        by: kpi.By, force: bool = False) -> Select[Any] | None:
    """The breakdown's statement over rollups, or None when they cannot answer this query."""
    if not _usable(session, subject, query, force):
        return None
    r = _table(query, by)
    rolled, live = _keys(subject, query, by, r)
    parts = union_all(_rollup_sums(subject, query, now, rolled, r), _live_today(subject, query, now, live)).subquery()
    grouped = _summed(parts, key=True)
    if by in ("day", "month"):
        return grouped.order_by(grouped.selected_columns.key)
    return kpi.with_names(grouped.subquery(), by)
