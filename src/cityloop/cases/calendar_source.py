"""The working calendar with the admin's overrides, cached briefly per process."""

from __future__ import annotations

import time

from sqlalchemy.orm import Session

from cityloop.cases import repository as repo
from cityloop.kit.calendar import WorkCalendar
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


def forget() -> None:
    """Drop the cached calendar (after overrides change)."""
    global _cached
    _cached = None


cache_clearers.append(forget)
