"""Applications' SLA sweep: late ones are urged once per working day and escalated after repeated urges."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session

from cityloop.cases.calendar_source import calendar
from cityloop.config import get_settings
from cityloop.kit.auth import SYSTEM
from cityloop.kit.clock import to_local, utcnow
from cityloop.services.applications import repository as repo
from cityloop.services.applications.models import Application
from cityloop.services.applications.service import record_event


@dataclass
class SweepReport:
    """What one sweep did."""

    late: int = 0
    urged: int = 0
    escalated: int = 0


def sweep(session: Session, now: datetime | None = None) -> SweepReport:
    """Urge (and escalate) every open application past its deadline; idempotent within a day."""
    now = now or utcnow()
    report = SweepReport()
    cal = calendar(session)
    for app in repo.late_open(session, now):
        report.late += 1
        urges = repo.events_of(session, app.id, "urge")
        if urges and to_local(urges[-1].at).date() == to_local(now).date():
            continue
        late_days = max(1, cal.workdays_between(to_local(app.deadline).date(), to_local(now).date()))
        _urge(session, app, late_days, now)
        report.urged += 1
        if len(urges) + 1 >= get_settings().escalate_after_urges and not repo.events_of(session, app.id, "escalate"):
            record_event(session, SYSTEM, app, "escalate", app.state, app.state,
                         "超期多次催办未办结，已提级督办", {"urges": len(urges) + 1}, now)
            report.escalated += 1
    session.commit()
    return report


def _urge(session: Session, app: Application, late_days: int, now: datetime) -> None:
    record_event(session, SYSTEM, app, "urge", app.state, app.state, f"已超期 {late_days} 个工作日，请尽快办理",
                 {"late_workdays": late_days}, now)
