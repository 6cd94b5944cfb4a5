"""KPIs of the case loop (DOMAIN.md): one scoped aggregate query per call; formulas in docs/kpi.md."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, timedelta
from typing import Any, Literal

from pydantic import BaseModel, Field
from sqlalchemy import (
    ColumnElement,
    Float,
    Select,
    String,
    and_,
    cast,
    func,
    literal,
    null,
    or_,
    select,
    text,
    union_all,
)
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import InstrumentedAttribute, Session
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.functions import FunctionElement

from cityloop.accounts.models import Unit
from cityloop.areas.divisions.models import Division
from cityloop.cases import repository
from cityloop.cases.models import Case, Category, TaxonomyVersion
from cityloop.cases.states import CHANNEL_META, OPEN_STATES, Satisfaction, State
from cityloop.kit.auth import Role, Subject
from cityloop.kit.clock import LOCAL_TZ, to_local, utcnow
from cityloop.kit.errors import Forbidden, ValidationFailed

READ_ROLES = (Role.LEADER, Role.SUPERVISOR, Role.DISPATCHER, Role.ADMIN)
VOID_STATES = (State.INVALID, State.MERGED)
# Suspension stops the clock (the deadline moves on resume), so a suspended case is not counted as overdue.
OVERDUE_STATES = tuple(sorted(OPEN_STATES - {State.SUSPENDED}))
SATISFIED = (Satisfaction.SATISFIED, Satisfaction.BASICALLY_SATISFIED)
DIVISION_LENGTHS = (2, 4, 6, 9, 12)
MAX_BUCKETS = 1000  # longest gap-filled trend (days or months) one call may return

By = Literal["division", "unit", "category", "channel", "day", "month"]


# Each tally is placed in the period by one of these dates (docs/kpi.md, "Cohorts").
DATE_COLUMNS = ("received_at", "deadline", "completed_at", "closed_at")
VALID_STATES = tuple(s for s in State if s not in VOID_STATES)


@dataclass(frozen=True)
class Tally:
    """Per-row part of a count: cases whose `column` is in the period and that meet `where`, in any state."""

    key: str
    column: str
    where: Callable[[datetime], ColumnElement[bool]] | None = None


# State tests are left out of the per-row tallies on purpose: the tallies are grouped by state and each count
# sums the states it wants, so the costly string comparisons run once per group instead of once per row.
TALLIES: tuple[Tally, ...] = (
    Tally("t_received", "received_at"),
    Tally("t_dispatched", "received_at", lambda _n: Case.dispatched_at.is_not(None)),
    Tally("t_dispatched_in_time", "received_at", lambda _n: Case.dispatched_at <= Case.dispatch_deadline),
    Tally("t_signed_on_time", "received_at",
          lambda _n: and_(Case.dispatched_at.is_not(None), Case.signed_at <= Case.sign_deadline)),
    Tally("t_reassigned", "received_at", lambda _n: and_(Case.dispatched_at.is_not(None), Case.reassign_count > 0)),
    Tally("t_due", "deadline"),
    Tally("t_due_completed", "deadline", lambda _n: Case.completed_at.is_not(None)),
    Tally("t_due_on_time", "deadline", lambda _n: Case.completed_at <= Case.deadline),
    Tally("t_past_deadline", "deadline", lambda now: Case.deadline < now),
    Tally("t_completed", "completed_at"),
    Tally("t_revisited", "completed_at", lambda _n: Case.revisited_at.is_not(None)),
    Tally("t_satisfied", "completed_at",
          lambda _n: and_(Case.revisited_at.is_not(None), Case.satisfaction.in_(SATISFIED))),
    Tally("t_redone", "completed_at", lambda _n: Case.reopen_count > 0),
    Tally("t_closed", "closed_at"),
    Tally("t_first_time", "closed_at", lambda _n: and_(Case.reopen_count == 0, Case.reassign_count == 0)),
)


@dataclass(frozen=True)
class Count:
    """A raw count: the `tally` over the cases whose state is in `states`."""

    key: str
    tally: str
    states: tuple[str, ...]
    zh: str
    en: str


_V, _CLOSED = VALID_STATES, (State.CLOSED,)
COUNTS: tuple[Count, ...] = (
    Count("received", "t_received", _V, "受理量", "Received"),
    Count("dispatched", "t_dispatched", _V, "派单量", "Dispatched"),
    Count("dispatched_in_time", "t_dispatched_in_time", _V, "即时分转量", "Dispatched within the limit"),
    Count("signed_on_time", "t_signed_on_time", _V, "按时签收量", "Signed on time"),
    Count("reassigned", "t_reassigned", _V, "转派量", "Reassigned"),
    Count("invalid", "t_received", (State.INVALID,), "无效量", "Invalid"),
    Count("merged", "t_received", (State.MERGED,), "合并量", "Merged"),
    Count("due", "t_due", _V, "应办结量", "Due"),
    Count("due_completed", "t_due_completed", _V, "办结量（应办结中）", "Due and completed"),
    Count("due_completed_on_time", "t_due_on_time", _V, "按期办结量", "Completed by the deadline"),
    Count("overdue_count", "t_past_deadline", OVERDUE_STATES, "超期数", "Overdue"),
    Count("completed", "t_completed", _V, "办结量", "Completed"),
    Count("revisited", "t_revisited", _V, "回访量", "Revisited"),
    Count("satisfied", "t_satisfied", _V, "满意量（含基本满意）", "Satisfied or basically satisfied"),
    Count("redone", "t_redone", _V, "重办量", "Redone"),
    Count("closed", "t_closed", _CLOSED, "归档量", "Closed"),
    Count("first_time_resolved", "t_first_time", _CLOSED, "一次办结量", "Resolved first time"),
)
HOURS_KEY = "handling_hours_total"

# rate key → (numerator, denominator, zh, en); a 0/0 rate is None.
RATES: dict[str, tuple[str, str, str, str]] = {
    "instant_dispatch_rate": ("dispatched_in_time", "received", "即时分转率", "Instant dispatch rate"),
    "on_time_sign_rate": ("signed_on_time", "dispatched", "按时签收率", "On-time sign-off rate"),
    "on_time_completion_rate": ("due_completed_on_time", "due", "按期办结率", "On-time completion rate"),
    "completion_rate": ("due_completed", "due", "办结率", "Completion rate"),
    "revisit_rate": ("revisited", "completed", "回访率", "Revisit rate"),
    "satisfaction_rate": ("satisfied", "revisited", "满意率", "Satisfaction rate"),
    "redo_rate": ("redone", "completed", "重办率", "Redo rate"),
    "first_time_resolution_rate": ("first_time_resolved", "closed", "一次办结率", "First-time resolution rate"),
    "reassign_rate": ("reassigned", "dispatched", "转派率", "Reassignment rate"),
}
LABELS: dict[str, dict[str, str]] = {
    **{k: {"zh": v[2], "en": v[3]} for k, v in RATES.items()},
    "avg_handling_hours": {"zh": "平均办理时长（小时）", "en": "Average handling time (hours)"},
    **{c.key: {"zh": c.zh, "en": c.en} for c in COUNTS},
}
FIGURE_KEYS = tuple(LABELS)
_NO_KEY_LABEL: dict[str, tuple[str, str]] = {
    "unit": ("未派单", "No unit"), "category": ("未分类", "Uncategorised"), "division": ("未知区划", "Unknown area"),
}


# ---- Output shapes -------------------------------------------------------------------------------------------


class KpiFigures(BaseModel):
    """Every KPI of DOMAIN.md and the raw counts behind them (rates are 0–1, None when 0/0)."""

    instant_dispatch_rate: float | None = Field(description="即时分转率 = dispatched_in_time / received")
    on_time_sign_rate: float | None = Field(description="按时签收率 = signed_on_time / dispatched")
    on_time_completion_rate: float | None = Field(description="按期办结率 = due_completed_on_time / due")
    completion_rate: float | None = Field(description="办结率 = due_completed / due")
    overdue_count: int = Field(description="超期数: open (not suspended), due in the period, deadline < as_of")
    avg_handling_hours: float | None = Field(description="平均办理时长 = mean hours receipt → completion")
    revisit_rate: float | None = Field(description="回访率 = revisited / completed")
    satisfaction_rate: float | None = Field(description="满意率 = satisfied / revisited")
    redo_rate: float | None = Field(description="重办率 = redone / completed")
    first_time_resolution_rate: float | None = Field(description="一次办结率 = first_time_resolved / closed")
    reassign_rate: float | None = Field(description="转派率 = reassigned / dispatched")
    received: int
    dispatched: int
    dispatched_in_time: int
    signed_on_time: int
    reassigned: int
    invalid: int
    merged: int
    due: int
    due_completed: int
    due_completed_on_time: int
    completed: int
    revisited: int
    satisfied: int
    redone: int
    closed: int
    first_time_resolved: int


class KpiReport(KpiFigures):
    """KPIs of one area/unit/category/channel over one period."""

    as_of: datetime
    scope: str = Field(description="The caller's area (division-code prefix); empty = everything")
    filters: dict[str, Any]
    labels: dict[str, dict[str, str]]


class KpiRow(KpiFigures):
    """KPIs of one group."""

    key: str | int | None
    label: str


class KpiBreakdown(BaseModel):
    """KPIs grouped by area, unit, category, channel, day or month."""

    by: str
    as_of: datetime
    scope: str
    filters: dict[str, Any]
    rows: list[KpiRow]
    labels: dict[str, dict[str, str]]


@dataclass(frozen=True)
class KpiQuery:
    """Filters of a KPI call; `start`/`end` bound the period [start, end), naive values are local time."""

    division_code: str | None = None
    unit_id: int | None = None
    category_code: str | None = None
    channel: str | None = None
    start: datetime | None = None
    end: datetime | None = None


# ---- Dialect-specific SQL --------------------------------------------------------------------------------------


class HoursBetween(FunctionElement[float]):
    """Hours from the second timestamp to the first."""

    type = Float()
    name = "hours_between"
    inherit_cache = True


class LocalDay(FunctionElement[str]):
    """A UTC timestamp's local (Asia/Shanghai) calendar day as 'YYYY-MM-DD'."""

    type = String()
    name = "local_day"
    inherit_cache = True


class LocalMonth(FunctionElement[str]):
    """A UTC timestamp's local (Asia/Shanghai) month as 'YYYY-MM'."""

    type = String()
    name = "local_month"
    inherit_cache = True


def _args(element: FunctionElement[Any], compiler: SQLCompiler, **kw: Any) -> list[str]:
    return [compiler.process(arg, **kw) for arg in element.clauses]


@compiles(HoursBetween)
def _hours_pg(element: HoursBetween, compiler: SQLCompiler, **kw: Any) -> str:
    end, start = _args(element, compiler, **kw)
    # date_part gives float8; EXTRACT gives numeric (PG 14+), several times slower to sum over a million rows.
    return f"(date_part('epoch', {end} - {start}) / 3600.0)"


@compiles(HoursBetween, "sqlite")
def _hours_sqlite(element: HoursBetween, compiler: SQLCompiler, **kw: Any) -> str:
    end, start = _args(element, compiler, **kw)
    return f"((julianday({end}) - julianday({start})) * 24.0)"


# SQLite keeps naive UTC text; Asia/Shanghai has had a fixed +8 offset (no DST) since 1991.
_SQLITE_LOCAL = "'+8 hours'"


def _sqlite_seconds(value: str) -> str:
    # SQLite date functions round to milliseconds, which would push a 23:59:59.999999 deadline into the next day.
    return f"substr({value}, 1, 19)"


@compiles(LocalDay)
def _day_pg(element: LocalDay, compiler: SQLCompiler, **kw: Any) -> str:
    (value,) = _args(element, compiler, **kw)
    return f"to_char(({value}) AT TIME ZONE '{LOCAL_TZ.key}', 'YYYY-MM-DD')"


@compiles(LocalDay, "sqlite")
def _day_sqlite(element: LocalDay, compiler: SQLCompiler, **kw: Any) -> str:
    (value,) = _args(element, compiler, **kw)
    return f"strftime('%Y-%m-%d', {_sqlite_seconds(value)}, {_SQLITE_LOCAL})"


@compiles(LocalMonth)
def _month_pg(element: LocalMonth, compiler: SQLCompiler, **kw: Any) -> str:
    (value,) = _args(element, compiler, **kw)
    return f"to_char(({value}) AT TIME ZONE '{LOCAL_TZ.key}', 'YYYY-MM')"


@compiles(LocalMonth, "sqlite")
def _month_sqlite(element: LocalMonth, compiler: SQLCompiler, **kw: Any) -> str:
    (value,) = _args(element, compiler, **kw)
    return f"strftime('%Y-%m', {_sqlite_seconds(value)}, {_SQLITE_LOCAL})"


# ---- Service -----------------------------------------------------------------------------------------------------


def kpi_report(session: Session, subject: Subject, query: KpiQuery, now: datetime | None = None,
               live: bool = False, rollups: bool = False) -> KpiReport:
    """Every KPI for the caller's area narrowed by `query`, in one aggregate query (over rollups when they serve)."""
    from cityloop.cases.rollups import reader

    query, now = _prepare(subject, query, now)
    _read_day_stretches(session)
    stmt = None if live else reader.report_statement(session, subject, query, now, force=rollups)
    row = session.execute(stmt if stmt is not None else _kpi_statement(subject, query, now)).mappings().one()
    return KpiReport(**figures(row), as_of=now, scope=subject.scope, filters=_echo(query), labels=LABELS)


def kpi_breakdown(session: Session, subject: Subject, query: KpiQuery, by: By, now: datetime | None = None,
                  sort: str | None = None, limit: int | None = None, lang: str = "zh",
                  live: bool = False, rollups: bool = False) -> KpiBreakdown:
    """Every KPI per group (area one level down, unit, category, channel, local day or month), in one query."""
    from cityloop.cases.rollups import reader

    query, now = _prepare(subject, query, now)
    buckets = _buckets(query, by) if by in ("day", "month") else None
    stmt = None if live else reader.breakdown_statement(session, subject, query, now, by, force=rollups)
    if stmt is None:
        stmt = _dated_statement(subject, query, now, by) if by in ("day", "month") \
            else _grouped_statement(subject, query, now, by)
    _read_day_stretches(session)
    rows = [_row(by, r, lang) for r in session.execute(stmt).mappings()]
    if buckets is not None:
        rows = _fill(rows, buckets)
    return KpiBreakdown(by=by, as_of=now, scope=subject.scope, filters=_echo(query),
                        rows=_ranked(rows, sort, limit), labels=LABELS)


def figures(row: Mapping[Any, Any]) -> dict[str, Any]:
    """Raw counts of one result row plus the rates and the mean derived from them."""
    counts = {c.key: int(row[c.key] or 0) for c in COUNTS}
    out: dict[str, Any] = {key: ratio(counts[num], counts[den]) for key, (num, den, _zh, _en) in RATES.items()}
    hours = row[HOURS_KEY]
    out["avg_handling_hours"] = round(float(hours) / counts["completed"], 2) if counts["completed"] else None
    return {**out, **counts}


def ratio(numerator: int, denominator: int) -> float | None:
    """numerator / denominator, or None for 0/0."""
    return numerator / denominator if denominator else None


def _prepare(subject: Subject, query: KpiQuery, now: datetime | None) -> tuple[KpiQuery, datetime]:
    if not subject.has(*READ_ROLES):
        raise Forbidden("您的角色不能查看考核指标", "Your role may not read KPIs")
    query = replace(query, start=_aware(query.start), end=_aware(query.end))
    if query.start and query.end and query.start >= query.end:
        raise ValidationFailed({"end": ("结束时间应晚于开始时间", "end must be after start")})
    return query, now or utcnow()


def _read_day_stretches(session: Session) -> None:
    # The rollups are stored in day order, so a period is one stretch of the table: at the default
    # random_page_cost (4, priced for spinning disks) the planner scanned all 6 M rollup rows of a 10 M-case city
    # instead (600 ms for a 30-day category breakdown, 200 ms with the stretch). It ends with the (read-only)
    # transaction of the request. JIT is off for every connection already (kit.db).
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT set_config('random_page_cost', '1.1', true)"))


def _aware(value: datetime | None) -> datetime | None:
    # A cockpit user means local time when they type a bare date or time.
    if value is None:
        return None
    return (value.replace(tzinfo=LOCAL_TZ) if value.tzinfo is None else value).astimezone(UTC)


def _echo(query: KpiQuery) -> dict[str, Any]:
    return {k: v for k, v in vars(query).items() if v is not None}


# ---- SQL building (every statement over Case starts from repository.scope_filter) ------------------------------


def _kpi_statement(subject: Subject, query: KpiQuery, now: datetime) -> Select[Any]:
    state = _unindexed(Case.state)
    tallies = scoped(subject, query, [state.label("state"), *_tallies(query, now)]).group_by(state).subquery()
    return select(*counts(tallies))


def _unindexed(column: InstrumentedAttribute[Any]) -> ColumnElement[Any]:
    # Grouping on a bare indexed column makes SQLite walk that index and fetch each row by rowid, several times
    # slower than one sequential scan; the same value as an expression keeps the scan. PostgreSQL is unaffected.
    return column + 0 if column.type.python_type is int else column.concat("")


def _grouped_statement(subject: Subject, query: KpiQuery, now: datetime, by: By) -> Select[Any]:
    key, state = group_key(subject, query, by), _unindexed(Case.state)
    columns = [key.label("key"), state.label("state"), *_tallies(query, now)]
    tallies = scoped(subject, query, columns).group_by(key, state).subquery()
    return named_groups(tallies, by)


def named_groups(tallies: Any, by: By) -> Select[Any]:
    """Counts per key from per-(key, state) tallies, with each key's name joined."""
    return with_names(select(tallies.c.key, *counts(tallies)).group_by(tallies.c.key).subquery(), by)


def with_names(grouped: Any, by: By) -> Select[Any]:
    """Counts per key with each key's name (area, unit, category) joined."""
    if by == "division":
        return select(grouped, Division.name.label("name")).outerjoin(Division, Division.code == grouped.c.key)
    if by == "unit":
        return select(grouped, Unit.name.label("name")).outerjoin(Unit, Unit.id == grouped.c.key)
    if by == "category":
        active = select(TaxonomyVersion.id).where(TaxonomyVersion.is_active.is_(True)).scalar_subquery()
        on = and_(Category.code == grouped.c.key, Category.version_id == active)
        return select(grouped, Category.name.label("name"), Category.name_en.label("name_en")).outerjoin(Category, on)
    return select(grouped)


def _dated_statement(subject: Subject, query: KpiQuery, now: datetime, by: By) -> Select[Any]:
    # Each tally is dated by its own column, so one branch per date column, summed per local day/month.
    bucket = LocalDay if by == "day" else LocalMonth
    branches = []
    for column in DATE_COLUMNS:
        key, state = bucket(getattr(Case, column)), _unindexed(Case.state)
        columns = [key.label("key"), state.label("state"), *_tallies(query, now, only=column)]
        branches.append(scoped(subject, query, columns, period_column=column).group_by(key, state))
    tallies = union_all(*branches).subquery()
    return select(tallies.c.key, *counts(tallies)).group_by(tallies.c.key).order_by(tallies.c.key)


def narrowed(stmt: Select[Any], query: KpiQuery, table: Any) -> Select[Any]:
    """The query's area, unit, category and channel filters over any table with those columns (cases, rollups)."""
    if query.division_code:
        stmt = stmt.where(table.division_code.startswith(query.division_code, autoescape=True))
    if query.unit_id is not None:
        stmt = stmt.where(table.unit_id == query.unit_id)
    if query.category_code:
        stmt = stmt.where(table.category_code.startswith(query.category_code, autoescape=True))
    if query.channel:
        stmt = stmt.where(table.channel == query.channel)
    return stmt


def scoped(subject: Subject, query: KpiQuery, columns: Sequence[Any], period_column: str | None = None) -> Select[Any]:
    """SELECT `columns` over the cases the subject may see, narrowed by the query's filters and period."""
    stmt = narrowed(repository.scope_filter(select(*columns).select_from(Case), subject), query, Case)
    if period_column is not None:
        return stmt.where(*_in_period(period_column, query))
    if query.start or query.end:
        # Only rows in at least one date column's period can count; lets the planner skip the rest.
        stmt = stmt.where(or_(*(and_(*_in_period(column, query)) for column in DATE_COLUMNS)))
    return stmt


def _in_period(name: str, query: KpiQuery) -> list[ColumnElement[bool]]:
    """Conditions placing `name` in [start, end); none for an unbounded period over a NOT NULL column."""
    column: InstrumentedAttribute[datetime | None] = getattr(Case, name)
    parts: list[ColumnElement[bool]] = []
    if query.start:
        parts.append(column >= query.start)
    if query.end:
        parts.append(column < query.end)
    if not parts and Case.__table__.c[name].nullable:
        parts.append(column.is_not(None))
    return parts


def _tallies(query: KpiQuery, now: datetime, only: str | None = None) -> list[ColumnElement[Any]]:
    """One conditional count per tally plus the handling-hours sum (zero unless dated by `only`, if given)."""
    columns: list[ColumnElement[Any]] = []
    for tally in TALLIES:
        if only is not None and tally.column != only:
            columns.append(literal(0).label(tally.key))
            continue
        conditions = _in_period(tally.column, query) + ([tally.where(now)] if tally.where else [])
        counted = func.count().filter(and_(*conditions)) if conditions else func.count()
        columns.append(counted.label(tally.key))
    if only is not None and only != "completed_at":
        columns.append(cast(null(), Float).label(HOURS_KEY))
    else:
        hours = func.sum(HoursBetween(Case.completed_at, Case.received_at))
        columns.append(hours.filter(and_(*_in_period("completed_at", query))).label(HOURS_KEY))
    return columns


def counts(tallies: Any) -> list[ColumnElement[Any]]:
    """The raw counts (and hours) from per-state tallies: each sums its tally over the states it counts."""
    state = tallies.c.state
    columns: list[ColumnElement[Any]] = [
        func.sum(tallies.c[c.tally]).filter(state.in_(c.states)).label(c.key) for c in COUNTS
    ]
    columns.append(func.sum(tallies.c[HOURS_KEY]).filter(state.in_(VALID_STATES)).label(HOURS_KEY))
    return columns


def group_key(subject: Subject, query: KpiQuery, by: By) -> ColumnElement[Any]:
    if by == "division":
        return func.substr(Case.division_code, 1, child_length(query.division_code or subject.scope))
    columns: dict[str, InstrumentedAttribute[Any]] = {
        "unit": Case.unit_id, "category": Case.category_code, "channel": Case.channel,
    }
    return _unindexed(columns[by])


def child_length(prefix: str) -> int:
    """Length of the division codes one level below `prefix` (the whole code at the lowest level)."""
    return next((n for n in DIVISION_LENGTHS if n > len(prefix)), DIVISION_LENGTHS[-1])


# ---- Rows ----------------------------------------------------------------------------------------------------------


def _row(by: By, row: Mapping[Any, Any], lang: str) -> KpiRow:
    return KpiRow(key=row["key"], label=_label(by, row, lang), **figures(row))


def _label(by: By, row: Mapping[Any, Any], lang: str) -> str:
    key = row["key"]
    if key is None and by in _NO_KEY_LABEL:
        zh, en = _NO_KEY_LABEL[by]
        return en if lang == "en" else zh
    if by == "channel":
        zh, en = CHANNEL_META.get(key, (key, key))
        return en if lang == "en" else zh
    if by == "category" and lang == "en" and row.get("name_en"):
        return str(row["name_en"])
    return str(row.get("name") or key)


def _buckets(query: KpiQuery, by: By) -> list[str] | None:
    """Every local day or month of a bounded period (so trend lines have no holes), or None if unbounded."""
    if not (query.start and query.end):
        return None
    first, last = to_local(query.start).date(), to_local(query.end - timedelta(microseconds=1)).date()
    keys = _days(first, last) if by == "day" else _months(first, last)
    if len(keys) > MAX_BUCKETS:
        raise ValidationFailed({"by": (f"时间段过长，最多 {MAX_BUCKETS} 个时间点",
                                       f"Period too long: at most {MAX_BUCKETS} points")})
    return keys


def _days(first: date, last: date) -> list[str]:
    span = (last - first).days
    return [(first + timedelta(days=i)).isoformat() for i in range(min(span, MAX_BUCKETS) + 1)]


def _months(first: date, last: date) -> list[str]:
    total = (last.year - first.year) * 12 + last.month - first.month
    return [f"{first.year + (first.month - 1 + i) // 12:04d}-{(first.month - 1 + i) % 12 + 1:02d}"
            for i in range(min(total, MAX_BUCKETS) + 1)]


def _fill(rows: list[KpiRow], buckets: list[str]) -> list[KpiRow]:
    found = {row.key: row for row in rows}
    empty = figures({**dict.fromkeys(c.key for c in COUNTS), HOURS_KEY: None})
    return [found.get(b) or KpiRow(key=b, label=b, **empty) for b in buckets]


def _ranked(rows: list[KpiRow], sort: str | None, limit: int | None) -> list[KpiRow]:
    if sort:
        key = sort.lstrip("-")
        if key not in FIGURE_KEYS:
            raise ValidationFailed({"sort": (f"未知排序字段 {key}", f"Unknown sort key {key}")})
        present = [r for r in rows if getattr(r, key) is not None]
        missing = [r for r in rows if getattr(r, key) is None]
        present.sort(key=lambda r: getattr(r, key), reverse=sort.startswith("-"))
        rows = present + missing  # groups without a value rank last either way
    return rows[:limit] if limit else rows
