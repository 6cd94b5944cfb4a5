"""The working calendar with the admin's overrides, cached briefly per process."""

from __future__ import annotations

import time
from datetime import datetime

from sqlalchemy.orm import Session

from cityloop.cases import repository as repo
from cityloop.config import get_settings
from cityloop.kit.calendar import LimitUnit, WorkCalendar
from cityloop.kit.db import cache_clearers

_TTL = 60.0
_cached: tuple[float, WorkCalendar] | None = None


def calendar(session: Session) -> WorkCalendar:
    """The calendar in force: national holidays and make-up days, then overrides."""
    global _cached
    if _cached and _cached[0] > time.monotonic():
        return _cached[1]
    overrides = {o.day: o.is_workday for o in repo.holiday_overrides(session)}
    cal = WorkCalendar(overrides=overrides)
    _cached = (time.monotonic() + _TTL, cal)
    return cal


def dispatch_due(cal: WorkCalendar, start: datetime) -> datetime:
    """When a case waiting for dispatch since `start` must be dispatched: the dispatch limit in working minutes."""
    return cal.add(start, get_settings().dispatch_limit_minutes / 60, LimitUnit.WORK_HOURS)


def forget() -> None:
    """Drop the cached calendar (after overrides change)."""
    global _cached
    _cached = None


cache_clearers.append(forget)
