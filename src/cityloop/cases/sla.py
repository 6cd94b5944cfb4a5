"""SLA sweep: cards, automatic urges and escalation; idempotent for a given moment."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from cityloop.cases import repository as repo
from cityloop.cases.calendar_source import calendar
from cityloop.cases.models import Case, CaseEvent
from cityloop.cases.states import Card, State
from cityloop.cases.workflow import escalate
from cityloop.config import get_settings
from cityloop.kit.auth import SYSTEM
from cityloop.kit.calendar import WorkCalendar, card
from cityloop.kit.clock import to_local, utcnow

SWEPT_STATES = [State.DISPATCHED, State.HANDLING, State.RETURN_REQUESTED]


@dataclass
class SweepReport:
    """What one sweep changed."""

    scanned: int = 0
    cards: int = 0
    urges: int = 0
    escalations: int = 0
    conflicts: int = 0


def sweep(session: Session, now: datetime | None = None, batch: int = 500) -> SweepReport:
    """Update cards, urge overdue cases once per overdue working day, escalate after N urges."""
    now = now or utcnow()
    settings = get_settings()
    cal = calendar(session)
    report = SweepReport()
    last_id = 0
    while True:
        cases = repo.sweepable_cases(session, SYSTEM, SWEPT_STATES, last_id, batch)
        if not cases:
            return report
        for case in cases:
            report.scanned += 1
            _sweep_case(session, case, now, cal, settings.yellow_share, settings.escalate_after_urges, report)
        last_id = cases[-1].id
        try:
            session.commit()
        except StaleDataError:
            # A user acted on one of these cases meanwhile; the next sweep looks at it again.
            session.rollback()
            report.conflicts += 1


def _sweep_case(session: Session, case: Case, now: datetime, cal: WorkCalendar, yellow: float,
                escalate_after: int, report: SweepReport) -> None:
    assert case.deadline is not None  # sweepable_cases only returns cases with a deadline
    new_card = card(case.received_at, case.deadline, now, yellow)
    if new_card != case.card:
        _event(session, case, "card", now, {"from": case.card, "to": new_card})
        case.card = new_card
        report.cards += 1
    if new_card != Card.RED:
        return
    # One urge when the case turns red, then one more for each further working day it stays late.
    due = max(cal.workdays_between(to_local(case.deadline).date(), to_local(now).date()), 1)
    if case.auto_urge_count < due:
        added = due - case.auto_urge_count
        case.auto_urge_count = due
        case.urge_count += added
        _event(session, case, "urge", now, {"automatic": True, "urge_count": case.urge_count})
        report.urges += added
    if case.auto_urge_count >= escalate_after and case.escalation_level == 0:
        _event(session, case, "escalate", now, {"automatic": True, **escalate(case)})
        report.escalations += 1


def _event(session: Session, case: Case, action: str, now: datetime, data: dict[str, object]) -> None:
    session.add(CaseEvent(case_id=case.id, action=action, from_state=case.state, to_state=case.state,
                          actor_id=None, actor_name="system", actor_kind="system", at=now, data=data))
