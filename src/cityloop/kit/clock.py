"""The application clock: UTC now, local (Asia/Shanghai) conversion; patchable in tests."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

LOCAL_TZ = ZoneInfo("Asia/Shanghai")

_frozen: datetime | None = None


def utcnow() -> datetime:
    """Current time in UTC, or the frozen time set by `freeze`."""
    return _frozen if _frozen is not None else datetime.now(UTC)


def freeze(at: datetime | None) -> None:
    """Freeze the clock at `at` (None unfreezes); used by tests and the demo seeder."""
    global _frozen
    if at is not None and at.tzinfo is None:
        raise ValueError("naive datetime")
    _frozen = at


def to_local(value: datetime) -> datetime:
    """Convert an aware datetime to Asia/Shanghai."""
    return value.astimezone(LOCAL_TZ)
