"""Display helpers shared by the consoles: deadline countdowns and card colours."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from cityloop.cases.schemas import CaseOut
from cityloop.cases.states import OPEN_STATES, State
from cityloop.config import get_settings
from cityloop.kit.calendar import card
from cityloop.kit.clock import utcnow


@dataclass(frozen=True)
class Countdown:
    """Time left until a case's deadline, for the countdown label and the card colour."""

    seconds: int
    card: str  # none | yellow | red
    deadline_iso: str

    def text(self, lang: str) -> str:
        """"还剩 2天3小时" / "超期 5小时" style."""
        left = abs(self.seconds)
        days, hours, minutes = left // 86400, left % 86400 // 3600, left % 3600 // 60
        if lang == "en":
            span = f"{days}d {hours}h" if days else f"{hours}h {minutes}m"
            return f"{span} left" if self.seconds >= 0 else f"overdue {span}"
        span = f"{days}天{hours}小时" if days else f"{hours}小时{minutes}分"
        return f"还剩{span}" if self.seconds >= 0 else f"超期{span}"


def countdown(case: CaseOut, now: datetime | None = None) -> Countdown | None:
    """Countdown of an open case; the card follows the sweep's rule so pages agree with the next sweep."""
    if case.dispatch_due_at is not None and case.state == State.RECEIVED:
        # Waiting for dispatch, the clock that runs is the dispatch limit, not the unit's handling deadline.
        return dispatch_countdown(case, now)
    if case.deadline is None or State(case.state) not in OPEN_STATES:
        return None
    now = now or utcnow()
    colour = card(case.received_at, case.deadline, now, get_settings().yellow_share)
    return Countdown(int((case.deadline - now).total_seconds()), str(colour), case.deadline.isoformat())


def dispatch_countdown(case: CaseOut, now: datetime | None = None) -> Countdown | None:
    """Time left to dispatch a waiting case (即时分转), yellow in the last share of the limit, red when late."""
    due = case.dispatch_due_at
    if due is None:
        return None
    now = now or utcnow()
    limit = timedelta(minutes=get_settings().dispatch_limit_minutes)
    start = case.received_at if case.dispatched_at is None else due - limit
    colour = card(min(start, due - limit), due, now, get_settings().yellow_share)
    return Countdown(int((due - now).total_seconds()), str(colour), due.isoformat())
