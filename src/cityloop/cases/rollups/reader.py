"""KPI statements over the rollups: the same counts as cases.kpi, from a few thousand rows instead of every case."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from typing import Any

from sqlalchemy import ColumnElement, Float, Select, cast, func, literal, null, select, union_all

from cityloop.cases import kpi
from cityloop.cases.models import Case
from cityloop.cases.repository import scope_by_columns
from cityloop.cases.rollups.models import TALLY_COLUMNS, CaseRollup
from cityloop.cases.rollups.service import fresh_state
from cityloop.config import get_settings
from cityloop.kit.auth import Subject
from cityloop.kit.clock import LOCAL_TZ, to_local

R = CaseRollup


def aligned(query: kpi.KpiQuery) -> bool:
    """True when the period starts and ends on local midnights (or is open), so whole rollup days cover it."""
    return all(v is None or to_local(v).timetz().replace(tzinfo=None) == time.min for v in (query.start, query.end))


def _usable(session: Any, query: kpi.KpiQuery, force: bool) -> bool:
    """Rollups answer when switched on, fresh, and the period starts and ends on local midnights."""
    if not aligned(query):
        return False
    if force:
        return True
    mode = get_settings().kpi_rollups
    if mode == "off":
        return False
    max_age = timedelta(seconds=get_settings().rollup_seconds * 3)
    return mode == "on" or fresh_state(session, max_age) is not None


def _day(value: datetime) -> str:
    return to_local(value).date().isoformat()


def _rollup_tallies(subject: Subject, query: kpi.KpiQuery, now: datetime,
                    key: ColumnElement[Any] | None) -> Select[Any]:
    today = _day(now)
    columns: list[ColumnElement[Any]] = [R.state.label("state")]
    if key is not None:
        columns.insert(0, key.label("key"))
    columns += [func.sum(getattr(R, name)).label(name) for name in TALLY_COLUMNS]
    # Every deadline on a day before today is already past; today's are counted live below.
    columns.append(func.coalesce(func.sum(R.t_due).filter(R.dated_by == "deadline", R.day < today), 0)
                   .label("t_past_deadline"))
    columns.append(cast(func.sum(R.hours), Float).label(kpi.HOURS_KEY))
    stmt = scope_by_columns(select(*columns), subject, R.division_code, R.unit_id)
    stmt = _filtered(stmt, query)
    grouping = [R.state] if key is None else [key, R.state]
    return stmt.group_by(*grouping)


def _filtered(stmt: Select[Any], query: kpi.KpiQuery) -> Select[Any]:
    if query.division_code:
        stmt = stmt.where(R.division_code.startswith(query.division_code, autoescape=True))
    if query.unit_id is not None:
        stmt = stmt.where(R.unit_id == query.unit_id)
    if query.category_code:
        stmt = stmt.where(R.category_code.startswith(query.category_code, autoescape=True))
    if query.channel:
        stmt = stmt.where(R.channel == query.channel)
    if query.start:
        stmt = stmt.where(R.day >= _day(query.start))
    if query.end:
        stmt = stmt.where(R.day < _day(query.end))
    return stmt


def _live_today(subject: Subject, query: kpi.KpiQuery, now: datetime, key: ColumnElement[Any] | None) -> Select[Any]:
    """Cases due earlier today whose deadline has passed: the only clock-bound count."""
    today_start = datetime.combine(to_local(now).date(), time.min, tzinfo=LOCAL_TZ)
    columns: list[ColumnElement[Any]] = [Case.state.label("state")]
    if key is not None:
        columns.insert(0, key.label("key"))
    columns += [literal(0).label(name) for name in TALLY_COLUMNS]
    columns += [func.count().label("t_past_deadline"), cast(null(), Float).label(kpi.HOURS_KEY)]
    stmt = kpi.scoped(subject, query, columns, period_column="deadline")
    stmt = stmt.where(Case.deadline >= today_start, Case.deadline < now)
    return stmt.group_by(*([Case.state] if key is None else [key, Case.state]))


def report_statement(session: Any, subject: Subject, query: kpi.KpiQuery, now: datetime,
                     force: bool = False) -> Select[Any] | None:
    """The KPI report's statement over rollups, or None when they cannot answer this query."""
    if not _usable(session, query, force):
        return None
    tallies = union_all(_rollup_tallies(subject, query, now, None), _live_today(subject, query, now, None)).subquery()
    return select(*kpi.counts(tallies))


def _keys(subject: Subject, query: kpi.KpiQuery, by: kpi.By) -> tuple[Any, Any]:
    """The group key over rollups and over cases (for today's live part)."""
    if by == "division":
        length = kpi.child_length(query.division_code or subject.scope)
        return func.substr(R.division_code, 1, length), func.substr(Case.division_code, 1, length)
    if by == "unit":
        return func.nullif(R.unit_id, 0), Case.unit_id
    if by == "category":
        return func.nullif(R.category_code, ""), Case.category_code
    if by == "channel":
        return R.channel, Case.channel
    if by == "day":
        return R.day, kpi.LocalDay(Case.deadline)
    return func.substr(R.day, 1, 7), kpi.LocalMonth(Case.deadline)


def breakdown_statement(session: Any, subject: Subject, query: kpi.KpiQuery, now: datetime,
                        by: kpi.By, force: bool = False) -> Select[Any] | None:
    """The breakdown's statement over rollups, or None when they cannot answer this query."""
    if not _usable(session, query, force):
        return None
    rolled, live = _keys(subject, query, by)
    tallies = union_all(_rollup_tallies(subject, query, now, rolled), _live_today(subject, query, now, live)).subquery()
    if by in ("day", "month"):
        return select(tallies.c.key, *kpi.counts(tallies)).group_by(tallies.c.key).order_by(tallies.c.key)
    return kpi.named_groups(tallies, by)
