"""The range a given receipt time must lie in (the API, pages and imports share it)."""

from __future__ import annotations

from datetime import datetime, time, timedelta

from cityloop.config import get_settings
from cityloop.kit.clock import LOCAL_TZ


def received_at_problem(value: datetime, now: datetime) -> tuple[str, str] | None:
    """(zh, en) why `value` cannot be a case's receipt time, or None when it can."""
    settings = get_settings()
    earliest = settings.received_at_earliest
    if value < datetime.combine(earliest, time.min, LOCAL_TZ):
        return f"受理时间不能早于 {earliest}", f"Received time must not be before {earliest}"
    ahead = settings.received_at_max_ahead_minutes
    # A few minutes of skew between the sending system's clock and ours are normal; more is a wrong date.
    if value > now + timedelta(minutes=ahead):
        return (f"受理时间不能晚于当前时间 {ahead} 分钟以上",
                f"Received time must not be more than {ahead} minutes in the future")
    return None
