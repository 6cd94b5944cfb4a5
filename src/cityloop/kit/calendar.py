"""Working-day calendar (Asia/Shanghai) used by the SLA engine: workdays, office hours, 调休, deadlines."""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from enum import StrEnum
from functools import lru_cache
from typing import Literal
from zoneinfo import ZoneInfo

import holidays

__all__ = [
    "DEFAULT_OFFICE_END",
    "DEFAULT_OFFICE_START",
    "TZ",
    "CardColor",
    "LimitUnit",
    "WorkCalendar",
    "card",
]

# Shanghai has had no DST since 1991, so local wall-clock arithmetic equals elapsed time for any
# realistic case date; all internal computation therefore uses naive local wall-clock datetimes.
TZ = ZoneInfo("Asia/Shanghai")

DEFAULT_OFFICE_START = time(9, 0)
DEFAULT_OFFICE_END = time(18, 0)

CardColor = Literal["none", "yellow", "red"]

_ONE_DAY = timedelta(days=1)
_ZERO = timedelta(0)


class LimitUnit(StrEnum):
    """Unit of an SLA time limit; values are what the policy tables store."""

    WORKDAYS = "wd"
    WORK_HOURS = "wh"
    HOURS = "h"
    MINUTES = "min"


@dataclass(frozen=True, slots=True)
class _YearTable:
    """Working-day flags of one year plus prefix sums for O(1) range counts."""

    first: date
    flags: bytes  # flags[i] == 1 if first + i days is a working day
    prefix: tuple[int, ...]  # prefix[i] == number of working days among flags[:i]


@lru_cache(maxsize=256)
def _package_flags(year: int) -> bytes:
    """Working-day flags for one year according to the ``holidays`` China calendar alone."""
    # The package models 调休 itself: substituted days off are added as holidays and the weekend
    # days worked in exchange go into ``weekend_workdays`` (including cross-year ones such as
    # 2001-12-29, which StaticHolidays pre-loads for every instance), and ``is_working_day``
    # combines both. Only PUBLIC is used: HALF_DAY (妇女节 etc.) concerns part of the workforce.
    #
    # Data coverage (holidays 0.109): official 国务院办公厅 notices for 2001-2026. For 2027 onwards the
    # package only *estimates* days off (weekend holidays shifted to the next weekday) and has
    # no make-up workdays at all, so those years are wrong until the State Council publishes
    # the arrangement (usually in November) and either the package or the override table is
    # updated. Before 2001 the package is unchecked against official notices; years outside
    # 1950-2100 fall back to plain Mon-Fri. pyproject allows holidays>=0.50, which predates the
    # 2025/2026 notices, so the installed version matters (tests skip 2026 if it is missing).
    cn = holidays.country_holidays("CN", years=year)
    first = date(year, 1, 1)
    n_days = (date(year + 1, 1, 1) - first).days if year < 9999 else 365
    return bytes(1 if cn.is_working_day(first + timedelta(days=i)) else 0 for i in range(n_days))


def _require_aware(value: datetime, name: str) -> None:
    """Raise ValueError unless ``value`` is a timezone-aware datetime."""
    if not isinstance(value, datetime):
        raise TypeError(f"{name} must be a datetime, got {type(value).__name__}")
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(f"{name} must be timezone-aware, got naive {value!r}")


def _to_local(value: datetime, name: str) -> datetime:
    """Convert an aware datetime to naive Asia/Shanghai wall-clock time."""
    _require_aware(value, name)
    return value.astimezone(TZ).replace(tzinfo=None)


def _from_local(local: datetime, tz: tzinfo | None) -> datetime:
    """Attach Asia/Shanghai to a naive local datetime and express it in ``tz``."""
    return local.replace(tzinfo=TZ).astimezone(tz)


def _check_amount(amount: float | int) -> None:
    """Reject amounts that cannot be a time limit."""
    # bool is an int subclass; True as "1 working day" is almost certainly a bug upstream.
    if isinstance(amount, bool) or not isinstance(amount, int | float):
        raise TypeError(f"amount must be int or float, got {type(amount).__name__}")
    if not math.isfinite(amount) or amount < 0:
        raise ValueError(f"amount must be a finite non-negative number, got {amount!r}")


class WorkCalendar:
    """China working-day calendar (holidays package + 调休) with admin overrides and office hours.

    Semantics (all in Asia/Shanghai local time; aware datetimes in, results in the caller's tzinfo):

    * ``is_workday``: override table first, then the ``holidays`` China calendar (weekends off,
      statutory holidays off, make-up weekend workdays on).
    * ``add(..., WORKDAYS)``: the receipt day itself is never counted (期间开始之日不计算在内); day 1 is
      the first working day strictly after the receipt's local date, so a case received on a
      non-working day starts counting on the next working day. The deadline is the *end* of the
      N-th such day, 23:59:59.999999 local. ``0`` means end of the receipt day. Only whole numbers.
    * ``add(..., WORK_HOURS)``: only time inside ``[office_start, office_end)`` of working days runs;
      a budget exhausted exactly at closing time yields ``office_end`` of that day, not the next
      morning. ``0`` returns the start unchanged.
    * ``add(..., HOURS | MINUTES)``: plain elapsed time.
    * ``shift_deadline``: see its docstring; zero-length suspension is always the identity.
    """

    __slots__ = ("_overrides", "_tables", "office_end", "office_start")

    def __init__(
        self,
        overrides: Mapping[date, bool] | None = None,
        office_start: time = DEFAULT_OFFICE_START,
        office_end: time = DEFAULT_OFFICE_END,
    ) -> None:
        """Snapshot the overrides (date -> working?) and validate the office window."""
        if office_start.tzinfo is not None or office_end.tzinfo is not None:
            raise ValueError("office_start/office_end are local Asia/Shanghai times and must be naive")
        if not office_start < office_end:
            raise ValueError(f"office_start {office_start} must be before office_end {office_end}")
        snapshot: dict[date, bool] = {}
        for day, working in (overrides or {}).items():
            # datetime is a date subclass but never equals a date key, so it would silently not match.
            if isinstance(day, datetime) or not isinstance(day, date):
                raise TypeError(f"override keys must be dates, got {day!r}")
            snapshot[day] = bool(working)
        self._overrides = snapshot
        self.office_start = office_start
        self.office_end = office_end
        # Per-year merged tables; overrides are a snapshot, so entries never go stale.
        self._tables: dict[int, _YearTable] = {}

    # ------------------------------------------------------------------ day-level queries

    def _table(self, year: int) -> _YearTable:
        """Per-year working-day table with overrides applied (cached)."""
        table = self._tables.get(year)
        if table is None:
            first = date(year, 1, 1)
            flags = bytearray(_package_flags(year))
            for day, working in self._overrides.items():
                if day.year == year:
                    flags[(day - first).days] = 1 if working else 0
            prefix = [0]
            for flag in flags:
                prefix.append(prefix[-1] + flag)
            table = _YearTable(first=first, flags=bytes(flags), prefix=tuple(prefix))
            self._tables[year] = table
        return table

    def is_workday(self, d: date) -> bool:
        """True if the local calendar date ``d`` is a working day (overrides win)."""
        if isinstance(d, datetime):
            # A datetime's .date() depends on its tz; make the caller say which local day they mean.
            raise TypeError("is_workday expects a date; convert datetimes to Asia/Shanghai first")
        table = self._table(d.year)
        return table.flags[(d - table.first).days] == 1

    def _count_through(self, d: date) -> int:
        """Working days from Jan 1 of ``d.year`` up to and including ``d``."""
        table = self._table(d.year)
        return table.prefix[(d - table.first).days + 1]

    def workdays_between(self, a: date, b: date) -> int:
        """Working days in (a, b] (local dates); negative if b < a, so overdue counts are signed."""
        if isinstance(a, datetime) or isinstance(b, datetime):
            raise TypeError("workdays_between expects dates, not datetimes")
        if b < a:
            return -self.workdays_between(b, a)
        if a.year == b.year:
            return self._count_through(b) - self._count_through(a)
        total = self._table(a.year).prefix[-1] - self._count_through(a)
        for year in range(a.year + 1, b.year):
            total += self._table(year).prefix[-1]
        return total + self._count_through(b)

    def next_workday(self, d: date) -> date:
        """First working day strictly after ``d``."""
        return self._nth_workday_after(d, 1)

    def _nth_workday_after(self, d: date, n: int) -> date:
        """The n-th working day strictly after ``d`` (``d`` itself when n == 0)."""
        while n > 0:
            d += _ONE_DAY
            if self.is_workday(d):
                n -= 1
        return d

    # ------------------------------------------------------------------ office-window time

    @property
    def office_window(self) -> timedelta:
        """Length of one working day's office window."""
        return datetime.combine(date.min, self.office_end) - datetime.combine(date.min, self.office_start)

    def _office_overlap(self, day: date, lo: datetime, hi: datetime) -> timedelta:
        """Office time of ``day`` inside [lo, hi] (naive local); zero on non-working days."""
        if not self.is_workday(day):
            return _ZERO
        begin = max(lo, datetime.combine(day, self.office_start))
        end = min(hi, datetime.combine(day, self.office_end))
        return end - begin if end > begin else _ZERO

    def _working_time(self, a: datetime, b: datetime) -> timedelta:
        """Office time on working days within [a, b] for naive local a <= b."""
        da, db = a.date(), b.date()
        if da == db:
            return self._office_overlap(da, a, b)
        first = self._office_overlap(da, a, datetime.combine(da + _ONE_DAY, time.min))
        last = self._office_overlap(db, datetime.combine(db, time.min), b)
        # Whole days strictly between a and b: (da, db) == (da, db] minus db itself.
        middle = self.workdays_between(da, db) - (1 if self.is_workday(db) else 0)
        return first + middle * self.office_window + last

    def working_seconds_between(self, a: datetime, b: datetime) -> float:
        """Office-window seconds on working days between a and b; negative if b < a."""
        la, lb = _to_local(a, "a"), _to_local(b, "b")
        if lb < la:
            return -self._working_time(lb, la).total_seconds()
        return self._working_time(la, lb).total_seconds()

    def _add_working_time(self, local: datetime, budget: timedelta) -> datetime:
        """Advance naive local ``local`` by ``budget`` of office time on working days."""
        if budget <= _ZERO:
            return local
        window = self.office_window
        day = local.date()
        # Consume the partial first day, then jump whole days, then the partial last day.
        if self.is_workday(day):
            begin = max(local, datetime.combine(day, self.office_start))
            available = datetime.combine(day, self.office_end) - begin
            if available > _ZERO:
                if budget <= available:
                    return begin + budget
                budget -= available
        # budget > 0 here; the remainder lands on the k-th later working day (k >= 1) such that
        # budget <= k * window; ending exactly at closing time is kept on that day.
        full_days, rest = divmod(budget, window)
        if rest == _ZERO:
            return datetime.combine(self._nth_workday_after(day, full_days), self.office_end)
        return datetime.combine(self._nth_workday_after(day, full_days + 1), self.office_start) + rest

    # ------------------------------------------------------------------ deadlines

    def add(self, start: datetime, amount: float | int, unit: LimitUnit) -> datetime:
        """Deadline for a limit of ``amount`` ``unit`` starting at aware ``start`` (in start's tzinfo)."""
        _check_amount(amount)
        unit = LimitUnit(unit)  # also accepts the raw policy-table string
        if unit is LimitUnit.HOURS or unit is LimitUnit.MINUTES:
            _require_aware(start, "start")
            delta = timedelta(hours=amount) if unit is LimitUnit.HOURS else timedelta(minutes=amount)
            # Via UTC: aware + timedelta is wall-clock arithmetic, wrong across a DST change of start's zone.
            return (start.astimezone(UTC) + delta).astimezone(start.tzinfo)
        local = _to_local(start, "start")
        if unit is LimitUnit.WORKDAYS:
            if amount != int(amount):
                raise ValueError(f"working-day limits must be whole numbers, got {amount!r}; use 'wh'")
            due_day = self._nth_workday_after(local.date(), int(amount))
            return _from_local(datetime.combine(due_day, time.max), start.tzinfo)
        return _from_local(self._add_working_time(local, timedelta(hours=amount)), start.tzinfo)

    def shift_deadline(
        self,
        deadline: datetime,
        suspended_from: datetime,
        suspended_to: datetime,
        unit: LimitUnit,
    ) -> datetime:
        """Extend ``deadline`` by the time a suspension [from, to) consumed, measured in ``unit``'s clock.

        * ``wh``: the office-window time inside the suspension (``working_seconds_between``) is added
          to the deadline as working hours.
        * ``wd``: the same office-window time is converted to working days and rounded *up*
          (a wd deadline cannot express a fraction of a day, and the handling unit must not lose
          time it could not use); the deadline moves to the end of that many working days after
          its local date, so it stays an end-of-day deadline.
        * ``h`` / ``min``: the natural length of the suspension is added.

        A zero-length suspension (or one entirely outside office hours for wd/wh) returns
        ``deadline`` unchanged. The result is in deadline's tzinfo.
        """
        _require_aware(deadline, "deadline")
        _require_aware(suspended_from, "suspended_from")
        _require_aware(suspended_to, "suspended_to")
        if suspended_to < suspended_from:
            raise ValueError("suspended_to must not be before suspended_from")
        unit = LimitUnit(unit)
        if unit is LimitUnit.HOURS or unit is LimitUnit.MINUTES:
            return (deadline.astimezone(UTC) + (suspended_to - suspended_from)).astimezone(deadline.tzinfo)
        consumed = self._working_time(
            _to_local(suspended_from, "suspended_from"), _to_local(suspended_to, "suspended_to")
        )
        if consumed == _ZERO:
            return deadline
        if unit is LimitUnit.WORKDAYS:
            days = -(-consumed // self.office_window)  # ceil on exact timedelta arithmetic
            due_day = self._nth_workday_after(_to_local(deadline, "deadline").date(), days)
            return _from_local(datetime.combine(due_day, time.max), deadline.tzinfo)
        return _from_local(self._add_working_time(_to_local(deadline, "deadline"), consumed), deadline.tzinfo)


def card(received_at: datetime, deadline: datetime, now: datetime, yellow_share: float) -> CardColor:
    """Warning card: red past deadline, yellow once the elapsed natural-time share reaches yellow_share."""
    # Natural (wall-clock) share on purpose: it is what the dashboard timer shows and it keeps the
    # card independent of the calendar; the deadline itself already encodes working time.
    _require_aware(received_at, "received_at")
    _require_aware(deadline, "deadline")
    _require_aware(now, "now")
    if not 0.0 <= yellow_share <= 1.0:
        raise ValueError(f"yellow_share must be within [0, 1], got {yellow_share!r}")
    if now > deadline:
        return "red"
    total = deadline - received_at
    # A limit of zero (or a deadline before receipt) is fully consumed from the start.
    share = 1.0 if total <= _ZERO else (now - received_at) / total
    return "yellow" if share >= yellow_share else "none"
