"""Behaviour and property tests for the SLA working-day calendar (real 2024-2026 arrangements)."""

from __future__ import annotations

import time as wallclock
from datetime import UTC, date, datetime, time, timedelta, timezone
from typing import Any

import holidays
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cityloop.kit.calendar import TZ, LimitUnit, WorkCalendar, card

CAL = WorkCalendar({})
WD, WH, H, MIN = LimitUnit.WORKDAYS, LimitUnit.WORK_HOURS, LimitUnit.HOURS, LimitUnit.MINUTES
EOD = time.max  # 23:59:59.999999, the documented end-of-day deadline


def sh(y: int, mo: int, d: int, hh: int = 0, mm: int = 0, ss: int = 0, us: int = 0) -> datetime:
    """Aware Asia/Shanghai datetime."""
    return datetime(y, mo, d, hh, mm, ss, us, tzinfo=TZ)


def eod(d: date) -> datetime:
    """End of a local day in Asia/Shanghai."""
    return datetime.combine(d, EOD, tzinfo=TZ)


def days(start: date, end: date) -> list[date]:
    """Inclusive date range."""
    return [start + timedelta(days=i) for i in range((end - start).days + 1)]


def _package_has_2026() -> bool:
    """True if the installed holidays package already carries the 2026 State Council notice."""
    return date(2026, 1, 4) in holidays.country_holidays("CN", years=2026).weekend_workdays


# ---------------------------------------------------------------------------------------- is_workday


def test_2024_spring_festival() -> None:
    assert CAL.is_workday(date(2024, 2, 4))  # Sunday make-up workday
    assert CAL.is_workday(date(2024, 2, 9))  # 除夕 2024 was not a statutory day off
    assert not any(CAL.is_workday(d) for d in days(date(2024, 2, 10), date(2024, 2, 17)))
    assert CAL.is_workday(date(2024, 2, 18))  # Sunday make-up workday
    assert CAL.is_workday(date(2024, 2, 19))


def test_2025_national_day() -> None:
    assert CAL.is_workday(date(2025, 9, 28))  # Sunday make-up workday
    assert CAL.is_workday(date(2025, 9, 30))
    assert not any(CAL.is_workday(d) for d in days(date(2025, 10, 1), date(2025, 10, 8)))
    assert CAL.is_workday(date(2025, 10, 9))
    assert CAL.is_workday(date(2025, 10, 11))  # Saturday make-up workday
    assert not CAL.is_workday(date(2025, 10, 12))


@pytest.mark.skipif(not _package_has_2026(), reason="installed holidays package predates the 2026 notice")
def test_2026_arrangement() -> None:
    assert not any(CAL.is_workday(d) for d in days(date(2026, 1, 1), date(2026, 1, 3)))
    assert CAL.is_workday(date(2026, 1, 4))  # Sunday make-up workday
    assert CAL.is_workday(date(2026, 2, 14))  # Saturday make-up workday
    assert not any(CAL.is_workday(d) for d in days(date(2026, 2, 15), date(2026, 2, 23)))
    assert CAL.is_workday(date(2026, 2, 28))  # Saturday make-up workday
    assert CAL.is_workday(date(2026, 9, 20))  # Sunday make-up workday
    assert not any(CAL.is_workday(d) for d in days(date(2026, 10, 1), date(2026, 10, 7)))
    assert CAL.is_workday(date(2026, 10, 10))  # Saturday make-up workday


def test_plain_weekends_and_weekdays() -> None:
    assert CAL.is_workday(date(2024, 3, 8))  # Friday
    assert not CAL.is_workday(date(2024, 3, 9))
    assert not CAL.is_workday(date(2024, 3, 10))


def test_overrides_win_both_ways() -> None:
    cal = WorkCalendar(
        {
            date(2024, 3, 4): False,  # typhoon closure on a Monday
            date(2024, 3, 9): True,  # extra Saturday shift
            date(2024, 2, 12): True,  # duty day in the middle of Spring Festival
            date(2024, 2, 18): False,  # make-up workday cancelled
        }
    )
    assert not cal.is_workday(date(2024, 3, 4))
    assert cal.is_workday(date(2024, 3, 9))
    assert cal.is_workday(date(2024, 2, 12))
    assert not cal.is_workday(date(2024, 2, 18))
    assert cal.is_workday(date(2024, 3, 5))  # untouched days keep package data
    # Overrides drive deadlines too: Fri 2024-03-01 + 1 wd skips the closed Monday.
    assert cal.add(sh(2024, 3, 1, 10), 1, WD) == eod(date(2024, 3, 5))
    assert cal.add(sh(2024, 2, 9, 10), 1, WD) == eod(date(2024, 2, 12))
    assert CAL.add(sh(2024, 3, 1, 10), 1, WD) == eod(date(2024, 3, 4))


def test_overrides_are_snapshotted() -> None:
    table = {date(2024, 3, 4): False}
    cal = WorkCalendar(table)
    table[date(2024, 3, 4)] = True
    assert not cal.is_workday(date(2024, 3, 4))


def test_invalid_construction_and_inputs() -> None:
    with pytest.raises(ValueError, match="before"):
        WorkCalendar({}, office_start=time(18), office_end=time(9))
    with pytest.raises(TypeError):
        WorkCalendar({datetime(2024, 3, 4): False})
    with pytest.raises(TypeError):
        CAL.is_workday(sh(2024, 3, 4))


# --------------------------------------------------------------------------------------- add()


def test_workdays_end_of_day_semantics() -> None:
    # Monday 10:00 + 2 wd -> end of Wednesday (receipt day not counted).
    assert CAL.add(sh(2024, 3, 4, 10), 2, WD) == eod(date(2024, 3, 6))
    assert CAL.add(sh(2024, 3, 4, 23, 59), 2, WD) == eod(date(2024, 3, 6))
    assert CAL.add(sh(2024, 3, 4, 10), 0, WD) == eod(date(2024, 3, 4))
    # Friday before Spring Festival: the next working day is make-up Sunday 02-18.
    assert CAL.add(sh(2024, 2, 9, 10), 1, WD) == eod(date(2024, 2, 18))
    # Received on non-working days: counting starts at the next working day.
    assert CAL.add(sh(2024, 2, 12, 10), 1, WD) == eod(date(2024, 2, 18))
    assert CAL.add(sh(2024, 2, 3, 10), 1, WD) == eod(date(2024, 2, 4))  # Saturday -> make-up Sunday
    assert CAL.add(sh(2024, 3, 9, 10), 1, WD) == eod(date(2024, 3, 11))
    # Across National Day 2025, landing on make-up Saturday 10-11.
    assert CAL.add(sh(2025, 9, 30, 15), 3, WD) == eod(date(2025, 10, 11))
    # Across the year end: 2025-01-01 is off.
    assert CAL.add(sh(2024, 12, 31, 9), 1, WD) == eod(date(2025, 1, 2))
    # float amounts that are whole numbers are fine, fractions are not.
    assert CAL.add(sh(2024, 3, 4, 10), 2.0, WD) == eod(date(2024, 3, 6))
    with pytest.raises(ValueError, match="whole"):
        CAL.add(sh(2024, 3, 4, 10), 1.5, WD)


def test_local_date_decides_not_utc_date() -> None:
    # 2024-03-03 17:00Z is Monday 01:00 in Shanghai, so Monday is the receipt day.
    start = datetime(2024, 3, 3, 17, tzinfo=UTC)
    due = CAL.add(start, 1, WD)
    assert due == eod(date(2024, 3, 5))
    assert due.tzinfo is UTC  # UTC in, UTC out
    assert due == datetime(2024, 3, 5, 15, 59, 59, 999999, tzinfo=UTC)


def test_work_hours_across_nights_and_weekends() -> None:
    assert CAL.add(sh(2024, 3, 8, 17), 2, WH) == sh(2024, 3, 11, 10)  # Fri 17:00 -> Mon 10:00
    assert CAL.add(sh(2024, 3, 6, 20), 1, WH) == sh(2024, 3, 7, 10)  # after hours -> next morning
    assert CAL.add(sh(2024, 3, 7, 7), 1, WH) == sh(2024, 3, 7, 10)  # before opening
    assert CAL.add(sh(2024, 3, 4, 9), 9, WH) == sh(2024, 3, 4, 18)  # exact close stays same day
    assert CAL.add(sh(2024, 3, 4, 9), 18, WH) == sh(2024, 3, 5, 18)
    assert CAL.add(sh(2024, 3, 4, 9), 9.5, WH) == sh(2024, 3, 5, 9, 30)
    assert CAL.add(sh(2024, 3, 9, 12), 0.25, WH) == sh(2024, 3, 11, 9, 15)  # Saturday start
    # Friday before Spring Festival 17:30 + 1 wh -> make-up Sunday 02-18 09:30.
    assert CAL.add(sh(2024, 2, 9, 17, 30), 1, WH) == sh(2024, 2, 18, 9, 30)
    assert CAL.add(sh(2024, 3, 8, 17), 0, WH) == sh(2024, 3, 8, 17)


def test_custom_office_hours() -> None:
    cal = WorkCalendar({}, office_start=time(8, 30), office_end=time(17, 30))
    assert cal.add(sh(2024, 3, 8, 17), 1, WH) == sh(2024, 3, 11, 9)
    assert cal.working_seconds_between(sh(2024, 3, 8, 0), sh(2024, 3, 9, 0)) == 9 * 3600


def test_natural_hours_and_minutes() -> None:
    assert CAL.add(sh(2024, 3, 8, 22), 4, H) == sh(2024, 3, 9, 2)
    assert CAL.add(sh(2024, 2, 9, 23, 50), 30, MIN) == sh(2024, 2, 10, 0, 20)
    start = datetime(2024, 3, 8, 14, tzinfo=UTC)
    assert CAL.add(start, 1.5, H) == datetime(2024, 3, 8, 15, 30, tzinfo=UTC)
    assert CAL.add(start, 1.5, H).tzinfo is UTC


def test_unit_accepts_policy_strings() -> None:
    raw: Any = "wd"  # as read from the policy table, before the DB layer maps it to LimitUnit
    assert CAL.add(sh(2024, 3, 4, 10), 2, raw) == eod(date(2024, 3, 6))
    bad: Any = "days"
    with pytest.raises(ValueError, match="days"):
        CAL.add(sh(2024, 3, 4, 10), 2, bad)


@pytest.mark.parametrize("unit", list(LimitUnit))
def test_rejects_naive_and_bad_amounts(unit: LimitUnit) -> None:
    with pytest.raises(ValueError, match="aware"):
        CAL.add(datetime(2024, 3, 4, 10), 1, unit)
    with pytest.raises(ValueError, match="non-negative"):
        CAL.add(sh(2024, 3, 4, 10), -1, unit)
    with pytest.raises(ValueError, match="non-negative"):
        CAL.add(sh(2024, 3, 4, 10), float("nan"), unit)
    with pytest.raises(TypeError):
        CAL.add(sh(2024, 3, 4, 10), True, unit)


# ------------------------------------------------------------------------- intervals and shifting


def test_workdays_between() -> None:
    assert CAL.workdays_between(date(2024, 3, 4), date(2024, 3, 4)) == 0
    assert CAL.workdays_between(date(2024, 3, 4), date(2024, 3, 6)) == 2
    assert CAL.workdays_between(date(2024, 2, 9), date(2024, 2, 18)) == 1
    assert CAL.workdays_between(date(2024, 2, 8), date(2024, 2, 19)) == 3  # 9th, 18th, 19th
    assert CAL.workdays_between(date(2024, 2, 19), date(2024, 2, 8)) == -3
    assert CAL.workdays_between(date(2024, 12, 31), date(2025, 1, 2)) == 1
    assert CAL.workdays_between(date(2024, 12, 31), date(2025, 12, 31)) == 248  # per the 2025 notice
    assert CAL.workdays_between(date(2024, 12, 31), date(2025, 12, 31)) == sum(
        CAL.is_workday(d) for d in days(date(2025, 1, 1), date(2025, 12, 31))
    )
    assert CAL.workdays_between(date(2023, 6, 1), date(2026, 6, 1)) == sum(
        CAL.is_workday(d) for d in days(date(2023, 6, 2), date(2026, 6, 1))
    )


def test_working_seconds_between() -> None:
    assert CAL.working_seconds_between(sh(2024, 3, 8, 17), sh(2024, 3, 11, 10)) == 2 * 3600
    assert CAL.working_seconds_between(sh(2024, 3, 11, 10), sh(2024, 3, 8, 17)) == -2 * 3600
    assert CAL.working_seconds_between(sh(2024, 3, 9, 10), sh(2024, 3, 10, 16)) == 0
    assert CAL.working_seconds_between(sh(2024, 3, 4, 12), sh(2024, 3, 4, 12, 30)) == 1800
    # Thu 17:00 -> make-up Sunday 10:00: 1h + Friday 9h + 1h.
    assert CAL.working_seconds_between(sh(2024, 2, 8, 17), sh(2024, 2, 18, 10)) == 11 * 3600
    utc_a = datetime(2024, 3, 8, 9, tzinfo=UTC)  # 17:00 local
    assert CAL.working_seconds_between(utc_a, sh(2024, 3, 11, 10)) == 2 * 3600
    with pytest.raises(ValueError, match="aware"):
        CAL.working_seconds_between(datetime(2024, 3, 8, 17), sh(2024, 3, 11, 10))


def test_shift_deadline_work_hours() -> None:
    # Suspended Fri 17:00 -> Mon 10:00 consumes 2 office hours.
    shifted = CAL.shift_deadline(sh(2024, 3, 11, 12), sh(2024, 3, 8, 17), sh(2024, 3, 11, 10), WH)
    assert shifted == sh(2024, 3, 11, 14)
    # Moving past closing time continues next working day morning.
    shifted = CAL.shift_deadline(sh(2024, 3, 8, 17), sh(2024, 3, 4, 9), sh(2024, 3, 4, 12), WH)
    assert shifted == sh(2024, 3, 11, 11)


def test_shift_deadline_workdays_rounds_up_to_whole_days() -> None:
    deadline = eod(date(2024, 3, 6))  # Wednesday
    two_full_days = CAL.shift_deadline(deadline, sh(2024, 3, 4, 9), sh(2024, 3, 5, 18), WD)
    assert two_full_days == eod(date(2024, 3, 8))
    one_hour = CAL.shift_deadline(deadline, sh(2024, 3, 4, 10), sh(2024, 3, 4, 11), WD)
    assert one_hour == eod(date(2024, 3, 7))
    # Suspended only over a weekend night: nothing consumed, nothing extended.
    weekend = CAL.shift_deadline(deadline, sh(2024, 3, 8, 19), sh(2024, 3, 11, 8), WD)
    assert weekend == deadline
    # Extension skips the Spring Festival block.
    festive = CAL.shift_deadline(eod(date(2024, 2, 9)), sh(2024, 2, 8, 9), sh(2024, 2, 8, 10), WD)
    assert festive == eod(date(2024, 2, 18))


def test_shift_deadline_natural_units() -> None:
    deadline = datetime(2024, 3, 8, 10, tzinfo=UTC)
    shifted = CAL.shift_deadline(deadline, sh(2024, 3, 8, 20), sh(2024, 3, 9, 2, 30), H)
    assert shifted == deadline + timedelta(hours=6, minutes=30)
    assert shifted.tzinfo is UTC
    five_minutes = CAL.shift_deadline(deadline, sh(2024, 3, 8, 20), sh(2024, 3, 8, 20, 5), MIN)
    assert five_minutes == deadline + timedelta(minutes=5)


def test_shift_deadline_rejects_reversed_suspension() -> None:
    with pytest.raises(ValueError, match="before"):
        CAL.shift_deadline(sh(2024, 3, 8, 10), sh(2024, 3, 8, 12), sh(2024, 3, 8, 11), WH)


# ------------------------------------------------------------------------------------------- card


def test_card() -> None:
    received, deadline = sh(2024, 3, 4, 10), sh(2024, 3, 5, 10)  # 24 h limit
    assert card(received, deadline, sh(2024, 3, 4, 11), 0.8) == "none"
    assert card(received, deadline, sh(2024, 3, 5, 5, 12), 0.8) == "yellow"  # exactly 80 %
    assert card(received, deadline, sh(2024, 3, 5, 5, 11), 0.8) == "none"
    assert card(received, deadline, deadline, 0.8) == "yellow"  # due now is not yet overdue
    assert card(received, deadline, deadline + timedelta(microseconds=1), 0.8) == "red"
    assert card(received, received, received, 0.8) == "yellow"  # zero-length limit
    utc_now = datetime(2024, 3, 5, 3, tzinfo=UTC)  # 11:00 local
    assert card(received, deadline, utc_now, 0.8) == "red"
    with pytest.raises(ValueError, match="yellow_share"):
        card(received, deadline, received, 1.5)
    with pytest.raises(ValueError, match="aware"):
        card(received, deadline, datetime(2024, 3, 4, 11), 0.8)


def test_deadline_computation_is_fast() -> None:
    cal = WorkCalendar({date(2024, 3, 4): False})
    start = sh(2024, 2, 1, 10)
    cal.add(start, 20, WD)  # warm the per-year cache
    n = 2000
    began = wallclock.perf_counter()
    for i in range(n):
        cal.add(start + timedelta(hours=i), 10, WD)
        cal.add(start + timedelta(hours=i), 40, WH)
    per_call = (wallclock.perf_counter() - began) / (2 * n)
    assert per_call < 0.5e-3  # well under 1 ms even on a slow CI box


# ---------------------------------------------------------------------------------- properties

PROPS = settings(max_examples=60, deadline=None)
# 2023-2026 hold real 调休 data; a fixed +08:00 zone and UTC exercise the tz conversion paths.
_ZONES = st.sampled_from([TZ, UTC, timezone(timedelta(hours=-5))])
starts = st.datetimes(min_value=datetime(2023, 1, 1), max_value=datetime(2026, 12, 1), timezones=_ZONES)
local_days = st.dates(min_value=date(2023, 1, 1), max_value=date(2026, 12, 31))
wd_amounts = st.integers(min_value=0, max_value=40)
wh_amounts = st.floats(min_value=0, max_value=200, allow_nan=False, allow_infinity=False)


def local_date(value: datetime) -> date:
    """The Asia/Shanghai calendar date of an aware datetime."""
    return value.astimezone(TZ).date()


@PROPS
@given(starts, wd_amounts, wd_amounts)
def test_prop_workdays_monotonic(start: datetime, a: int, b: int) -> None:
    lo, hi = sorted((a, b))
    assert CAL.add(start, lo, WD) <= CAL.add(start, hi, WD)


@PROPS
@given(starts, wh_amounts, wh_amounts, st.sampled_from([WH, H, MIN]))
def test_prop_fractional_units_monotonic(start: datetime, a: float, b: float, unit: LimitUnit) -> None:
    lo, hi = sorted((a, b))
    assert start <= CAL.add(start, lo, unit) <= CAL.add(start, hi, unit)


@PROPS
@given(starts, st.integers(min_value=1, max_value=40))
def test_prop_workday_deadline_lands_on_workday(start: datetime, n: int) -> None:
    due = CAL.add(start, n, WD)
    assert CAL.is_workday(local_date(due))
    assert due.astimezone(TZ).time() == time.max
    assert due.tzinfo is start.tzinfo


@PROPS
@given(starts, st.floats(min_value=0.001, max_value=200))
def test_prop_work_hours_deadline_inside_office_window(start: datetime, hours: float) -> None:
    due = CAL.add(start, hours, WH).astimezone(TZ)
    assert CAL.is_workday(due.date())
    assert time(9) < due.time() <= time(18)
    # Round trip: the office time between start and deadline is exactly the budget (µs rounding).
    assert CAL.working_seconds_between(start, due) == pytest.approx(hours * 3600, abs=1e-6)


@PROPS
@given(starts, st.integers(min_value=0, max_value=40))
def test_prop_add_workdays_inverts_workdays_between(start: datetime, n: int) -> None:
    # Holds for every start (the receipt day is never counted), in particular on working days.
    due = CAL.add(start, n, WD)
    assert CAL.workdays_between(local_date(start), local_date(due)) == n


@PROPS
@given(starts.filter(lambda s: CAL.is_workday(local_date(s))), st.integers(min_value=0, max_value=40))
def test_prop_add_workdays_from_workday(start: datetime, n: int) -> None:
    local_start = start.astimezone(TZ)
    due = CAL.add(local_start, n, WD)
    assert CAL.workdays_between(local_start.date(), due.date()) == n


@PROPS
@given(starts, starts, st.sampled_from(list(LimitUnit)))
def test_prop_zero_length_suspension_is_identity(deadline: datetime, at: datetime, unit: LimitUnit) -> None:
    assert CAL.shift_deadline(deadline, at, at, unit) == deadline


@PROPS
@given(starts, starts, starts, st.sampled_from(list(LimitUnit)))
def test_prop_shift_never_shortens(deadline: datetime, a: datetime, b: datetime, unit: LimitUnit) -> None:
    lo, hi = sorted((a, b))
    assert CAL.shift_deadline(deadline, lo, hi, unit) >= deadline


@PROPS
@given(starts, starts, starts)
def test_prop_working_seconds_additive_and_antisymmetric(a: datetime, b: datetime, c: datetime) -> None:
    x, y, z = sorted((a, b, c))
    assert CAL.working_seconds_between(x, z) == pytest.approx(
        CAL.working_seconds_between(x, y) + CAL.working_seconds_between(y, z)
    )
    assert CAL.working_seconds_between(a, b) == -CAL.working_seconds_between(b, a)


@PROPS
@given(local_days, local_days)
def test_prop_workdays_between_matches_day_by_day(a: date, b: date) -> None:
    lo, hi = sorted((a, b))
    expected = sum(CAL.is_workday(lo + timedelta(days=i)) for i in range(1, (hi - lo).days + 1))
    assert CAL.workdays_between(lo, hi) == expected
    assert CAL.workdays_between(hi, lo) == -expected


@PROPS
@given(local_days, local_days, st.integers(min_value=-3, max_value=3))
def test_prop_override_flip_is_consistent(day: date, other: date, offset: int) -> None:
    flipped = WorkCalendar({day: not CAL.is_workday(day)})
    assert flipped.is_workday(day) is not CAL.is_workday(day)
    neighbour = day + timedelta(days=offset)
    if neighbour != day:
        assert flipped.is_workday(neighbour) is CAL.is_workday(neighbour)
    # Range counts see exactly the one flipped day.
    lo, hi = sorted((day - timedelta(days=1), other))
    delta = flipped.workdays_between(lo, hi) - CAL.workdays_between(lo, hi)
    expected = (1 if flipped.is_workday(day) else -1) if lo < day <= hi else 0
    assert delta == expected
    # And deadlines follow: one working day after the eve of a flipped-on day is that day.
    if flipped.is_workday(day):
        assert local_date(flipped.add(eod(day - timedelta(days=1)), 1, WD)) == day
