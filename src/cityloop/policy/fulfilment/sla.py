"""The fulfilment sweep: a stage past its working-day limit is marked overdue once, with an event."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session

from cityloop.audit import service as audit
from cityloop.kit.auth import SYSTEM
from cityloop.kit.clock import utcnow
from cityloop.policy.fulfilment import repository as repo
from cityloop.policy.fulfilment.models import FulfilmentEvent


@dataclass
class SweepReport:
    """What one sweep did."""

    overdue: int = 0


def sweep(session: Session, now: datetime | None = None) -> SweepReport:
    """Mark every open task whose stage is past due (idempotent: a marked stage is not marked again)."""
    now = now or utcnow()
    late = repo.late_open(session, now)
    for task in late:
        task.overdue = True
        session.add(FulfilmentEvent(fulfilment_id=task.id, action="overdue", from_stage=task.stage,
                                    to_stage=task.stage, note="环节已超过办理时限", at=now,
                                    data={"due": task.stage_due.isoformat() if task.stage_due else None}))
    if late:
        audit.record(session, SYSTEM, "fulfilment_overdue", "policy_fulfilment", [t.id for t in late],
                     areas=sorted({t.division_code for t in late}))
    session.commit()
    return SweepReport(len(late))
