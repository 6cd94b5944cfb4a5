"""Every step of sharing goes into the append-only event table and the audit chain, in the caller's transaction."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from cityloop.audit.service import record
from cityloop.governance.sharing.requests.models import ShareEvent
from cityloop.kit.auth import Subject


def log(session: Session, subject: Subject, object_type: str, object_id: int, action: str, to_state: str, *,
        from_state: str = "", note: str = "", detail: dict[str, Any] | None = None,
        areas: Iterable[str] = ()) -> None:
    """Append the step to the history and the audit chain."""
    session.add(ShareEvent(object_type=object_type, object_id=object_id, action=action, from_state=from_state,
                           to_state=to_state, actor_id=subject.id, actor_name=subject.name[:80], note=note,
                           detail=detail or {}))
    record(session, subject, f"share_{action}", f"share_{object_type}", [object_id],
           {"from": from_state, "to": to_state, "note": note, **(detail or {})}, areas=areas)


def events(session: Session, object_type: str, object_id: int) -> list[ShareEvent]:
    """The history of one request or export approval, oldest first."""
    stmt = select(ShareEvent).where(ShareEvent.object_type == object_type, ShareEvent.object_id == object_id)
    return list(session.scalars(stmt.order_by(ShareEvent.id)))
