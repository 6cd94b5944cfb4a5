"""Build and catch up the KPI rollups from the cases themselves, so they always equal the brute-force SQL."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

from sqlalchemy import ColumnElement, Select, and_, delete, func, insert, literal, select, text, union_all
from sqlalchemy.orm import Session

from cityloop.cases.kpi import COUNTS, OVERDUE_STATES, TALLIES, VALID_STATES, HoursBetween, LocalDay
from cityloop.cases.models import Case
from cityloop.cases.repository import scope_filter
from cityloop.cases.rollups.models import (
    COUNT_COLUMNS,
    DATED_BY,
    DIVISION_LENGTH,
    CaseAreaRollup,
    CaseRollup,
    CaseRollupMark,
    RollupState,
)
from cityloop.kit.auth import SYSTEM
from cityloop.kit.clock import LOCAL_TZ, utcnow

# A transaction that began before the last run but committed after it carries an older updated_at: look back this
# far so it is still seen (re-counting a day is harmless, missing one is not).
LAG = timedelta(minutes=10)
BATCH = 5000
ADVISORY_KEY = 7_320_031  # one refresher at a time across app nodes (PostgreSQL advisory lock)


@dataclass
class RefreshReport:
    """What one run did."""

    cases_seen: int = 0
    slices: int = 0
    full: bool = False
    skipped: bool = False


def _dated(dated_by: str, start: datetime, end: datetime) -> Select[Any]:
    """Per key, the counts dated by `dated_by` of the cases whose `dated_by` lies in [start, end)."""
    column = getattr(Case, dated_by)
    tallies = {t.key: t for t in TALLIES if t.column == dated_by}
    columns: list[ColumnElement[Any]] = [
        LocalDay(column).label("day"), func.substr(Case.division_code, 1, DIVISION_LENGTH).label("division_code"),
        func.coalesce(Case.unit_id, 0).label("unit_id"), func.coalesce(Case.category_code, "").label("category_code"),
        Case.channel.label("channel")]
    for count in COUNTS:
        tally = tallies.get(count.tally)
        if tally is None or count.key == "overdue_count":
            columns.append(literal(0).label(count.key))
            continue
        conditions = [Case.state.in_(count.states)] + ([tally.where(utcnow())] if tally.where else [])
        columns.append(func.count().filter(and_(*conditions)).label(count.key))
    open_due = func.count().filter(Case.state.in_(OVERDUE_STATES)) if dated_by == "deadline" else literal(0)
    columns.append(open_due.label("due_open"))
    hours = func.sum(HoursBetween(Case.completed_at, Case.received_at)).filter(Case.state.in_(VALID_STATES))
    columns.append((func.coalesce(hours, 0.0) if dated_by == "completed_at" else literal(0.0)).label("hours"))
    stmt = scope_filter(select(*columns).where(column >= start, column < end), SYSTEM)
    return stmt.group_by(*columns[:5])


def _insert_days(session: Session, start: datetime, end: datetime) -> None:
    """Rows for every day in [start, end): the four dated parts of each key summed into one row."""
    parts = union_all(*[_dated(dated_by, start, end) for dated_by in DATED_BY]).subquery()
    keys = [parts.c[k] for k in ("day", "division_code", "unit_id", "category_code", "channel")]
    sums = [func.sum(parts.c[name]).label(name) for name in (*COUNT_COLUMNS, "due_open", "hours")]
    stmt = select(*keys, *sums).group_by(*keys)
    session.execute(insert(CaseRollup).from_select([c.name for c in stmt.selected_columns], stmt))
    fine = CaseRollup
    area_keys = [fine.day, fine.division_code, fine.unit_id]
    area = select(*area_keys, *[func.sum(getattr(fine, n)).label(n) for n in (*COUNT_COLUMNS, "due_open", "hours")])
    area = area.where(fine.day >= _day_of(start), fine.day < _day_of(end)).group_by(*area_keys)
    session.execute(insert(CaseAreaRollup).from_select([c.name for c in area.selected_columns], area))


def _day_of(value: datetime) -> str:
    return value.astimezone(LOCAL_TZ).date().isoformat()


def _day_bounds(day: str) -> tuple[datetime, datetime]:
    first = datetime.combine(date.fromisoformat(day), time.min, tzinfo=LOCAL_TZ)
    return first, first + timedelta(days=1)


def rebuild(session: Session) -> RefreshReport:
    """Recount everything (first build, or after a suspected drift); the marks are rewritten too."""
    started = utcnow()
    session.execute(delete(CaseRollup))
    session.execute(delete(CaseAreaRollup))
    session.execute(delete(CaseRollupMark))
    far_past, far_future = datetime(1970, 1, 1, tzinfo=LOCAL_TZ), datetime(9999, 1, 1, tzinfo=LOCAL_TZ)
    _insert_days(session, far_past, far_future)
    marks = scope_filter(select(Case.id, *[LocalDay(getattr(Case, c)) for c in DATED_BY]), SYSTEM)
    session.execute(insert(CaseRollupMark).from_select(["case_id", *DATED_BY], marks))
    _save_state(session, watermark=started, full=True)
    return RefreshReport(full=True)


def refresh(session: Session) -> RefreshReport:
    """Recount the days touched by cases changed since the last run (the first run builds everything)."""
    if not _claim(session):
        return RefreshReport(skipped=True)
    state = session.get(RollupState, 1)
    if state is None or not state.full_built or state.watermark is None:
        return rebuild(session)
    started, since = utcnow(), state.watermark - LAG
    report, after_id = RefreshReport(), 0
    dirty: set[str] = set()
    while True:
        rows = session.execute(scope_filter(
            select(Case.id, *[LocalDay(getattr(Case, c)) for c in DATED_BY])
            .where(Case.updated_at > since, Case.id > after_id).order_by(Case.id).limit(BATCH), SYSTEM)).all()
        if not rows:
            break
        after_id = rows[-1][0]
        report.cases_seen += len(rows)
        dirty |= _remark(session, rows)
    for day in sorted(dirty):
        start, end = _day_bounds(day)
        session.execute(delete(CaseRollup).where(CaseRollup.day == day))
        session.execute(delete(CaseAreaRollup).where(CaseAreaRollup.day == day))
        _insert_days(session, start, end)
    report.slices = len(dirty)
    _save_state(session, watermark=started, full=True)
    return report


def _remark(session: Session, rows: Iterable[Any]) -> set[str]:
    """Store each case's current days; the days it left and the days it is on now are dirty."""
    rows = list(rows)
    old = {m.case_id: m for m in session.scalars(select(CaseRollupMark).where(
        CaseRollupMark.case_id.in_([r[0] for r in rows])))}
    dirty: set[str] = set()
    for case_id, *days in rows:
        mark = old.get(case_id)
        if mark is None:
            mark = CaseRollupMark(case_id=case_id)
            session.add(mark)
        for dated_by, day in zip(DATED_BY, days, strict=True):
            # The day it left and the day it is on (the state or another key may have changed on the same day).
            dirty.update(d for d in (getattr(mark, dated_by), day) if d)
            setattr(mark, dated_by, day)
    session.flush()
    return dirty


def _claim(session: Session) -> bool:
    if session.get_bind().dialect.name != "postgresql":
        return True  # SQLite serialises writers; one node only
    return bool(session.scalar(text("SELECT pg_try_advisory_xact_lock(:k)"), {"k": ADVISORY_KEY}))


def _save_state(session: Session, watermark: datetime, full: bool) -> None:
    state = session.get(RollupState, 1) or RollupState(id=1)
    state.watermark, state.refreshed_at, state.full_built = watermark, utcnow(), full
    session.add(state)
    session.flush()


def fresh_state(session: Session, max_age: timedelta) -> RollupState | None:
    """The rollup state when the rollups were refreshed within `max_age`, else None."""
    state = session.get(RollupState, 1)
    if state is None or not state.full_built or state.refreshed_at is None:
        return None
    return state if utcnow() - state.refreshed_at <= max_age else None
