"""Events that channels append to a case's history without changing its state (e.g. a sensor breaching again)."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from cityloop.cases.models import Case, CaseEvent
from cityloop.kit.clock import utcnow


def append_system_event(session: Session, case: Case, action: str, data: dict[str, Any], note: str = "") -> None:
    """Add a system event (flushed with the caller's transaction; history is append-only)."""
    session.add(CaseEvent(case_id=case.id, action=action, from_state=case.state, to_state=case.state, actor_id=None,
                          actor_name="system", actor_kind="system", at=utcnow(), note=note, data=data))
