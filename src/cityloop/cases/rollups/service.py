"""Build and catch up the KPI rollups from the cases themselves, so they always equal the brute-force SQL."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

from sqlalchemy import ColumnElement, Select, delete, func, insert, literal, select, text
from sqlalchemy.orm import Session

from cityloop.cases.kpi import TALLIES, HoursBetween, LocalDay
from cityloop.cases.models import Case
from cityloop.cases.repository import scope_filter
from cityloop.cases.rollups.models import DATED_BY, TALLY_COLUMNS, CaseRollup, CaseRollupMark, RollupState
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


def _slice_select(dated_by: str, start: datetime, end: datetime) -> Select[Any]:
    """The rollup rows of every case whose `dated_by` lies in [start, end), grouped by day and key."""
    column = getattr(Case, dated_by)
    day = LocalDay(column)
    counted: dict[str, ColumnElement[Any]] = {}
    for tally in TALLIES:
        if tally.column != dated_by or tally.key == "t_past_deadline":
            continue  # past-deadline depends on the clock; the reader derives it from t_due
        counted[tally.key] = func.count().filter(tally.where(utcnow())) if tally.where else func.count()
    columns: list[ColumnElement[Any]] = [
        day.label("day"), literal(dated_by).label("dated_by"), Case.division_code.label("division_code"),
        func.coalesce(Case.unit_id, 0).label("unit_id"), func.coalesce(Case.category_code, "").label("category_code"),
        Case.channel.label("channel"), Case.state.label("state"),
        *[counted.get(name, literal(0)).label(name) for name in TALLY_COLUMNS],
        (func.coalesce(func.sum(HoursBetween(Case.completed_at, Case.received_at)), 0.0) if dated_by == "completed_at"
         else literal(0.0)).label("hours"),
    ]
    stmt = scope_filter(select(*columns).where(column >= start, column < end), SYSTEM)
    return stmt.group_by(day, Case.division_code, Case.unit_id, Case.category_code, Case.channel, Case.state)


def _day_bounds(day: str) -> tuple[datetime, datetime]:
    first = datetime.combine(date.fromisoformat(day), time.min, tzinfo=LOCAL_TZ)
    return first, first + timedelta(days=1)


def _insert_slice(session: Session, dated_by: str, start: datetime, end: datetime) -> None:
    stmt = _slice_select(dated_by, start, end)
    session.execute(insert(CaseRollup).from_select([c.name for c in stmt.selected_columns], stmt))


def rebuild(session: Session) -> RefreshReport:
    """Recount everything (first build, or after a suspected drift); the marks are rewritten too."""
    started = utcnow()
    session.execute(delete(CaseRollup))
    session.execute(delete(CaseRollupMark))
    far_past, far_future = datetime(1970, 1, 1, tzinfo=LOCAL_TZ), datetime(9999, 1, 1, tzinfo=LOCAL_TZ)
    for dated_by in DATED_BY:
        _insert_slice(session, dated_by, far_past, far_future)
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
    dirty: set[tuple[str, str]] = set()
    while True:
        rows = session.execute(scope_filter(
            select(Case.id, *[LocalDay(getattr(Case, c)) for c in DATED_BY])
            .where(Case.updated_at > since, Case.id > after_id).order_by(Case.id).limit(BATCH), SYSTEM)).all()
        if not rows:
            break
        after_id = rows[-1][0]
        report.cases_seen += len(rows)
        dirty |= _remark(session, rows)
    for dated_by, day in sorted(dirty):
        start, end = _day_bounds(day)
        session.execute(delete(CaseRollup).where(CaseRollup.dated_by == dated_by, CaseRollup.day == day))
        _insert_slice(session, dated_by, start, end)
    report.slices = len(dirty)
    _save_state(session, watermark=started, full=True)
    return report


def _remark(session: Session, rows: Iterable[Any]) -> set[tuple[str, str]]:
    """Store each case's current days; the days it left and the days it is on now are dirty."""
    rows = list(rows)
    old = {m.case_id: m for m in session.scalars(select(CaseRollupMark).where(
        CaseRollupMark.case_id.in_([r[0] for r in rows])))}
    dirty: set[tuple[str, str]] = set()
    for case_id, *days in rows:
        mark = old.get(case_id)
        if mark is None:
            mark = CaseRollupMark(case_id=case_id)
            session.add(mark)
        for dated_by, day in zip(DATED_BY, days, strict=True):
            before = getattr(mark, dated_by)
            if before != day or before is None:
                dirty.update((dated_by, d) for d in (before, day) if d)
            elif day:
                dirty.add((dated_by, day))  # same day, but the state or another key may have changed
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
