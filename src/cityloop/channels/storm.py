"""The alarm storm rule shared by IoT and video: one open alarm per key, its case noted at most once a minute."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any, Protocol

from sqlalchemy.orm import Session

from cityloop.cases.events import append_system_event
from cityloop.cases.models import Case
from cityloop.kit.clock import utcnow

# A storm appends at most one history event per open alarm in this interval (the count is kept on the alarm).
NOTE_EVERY = timedelta(minutes=1)


class Noted(Protocol):
    """An open alarm that remembers when its case was last told."""

    last_noted_at: datetime


def note_if_due(session: Session, alarm: Noted, case: Case | None, action: str, data: dict[str, Any]) -> bool:
    """Append `action` to the alarm's case unless it was noted less than NOTE_EVERY ago; True when appended."""
    now = utcnow()
    if case is None or now - alarm.last_noted_at < NOTE_EVERY:
        return False
    alarm.last_noted_at = now
    append_system_event(session, case, action, data)
    return True
