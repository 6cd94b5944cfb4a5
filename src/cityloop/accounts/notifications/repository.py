"""All SQL of the inbox; every read is restricted to the recipient's own rows."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from cityloop.accounts.models import User
from cityloop.accounts.notifications.models import Notification


def active_users_of_unit(session: Session, unit_id: int) -> list[tuple[int, list[str]]]:
    """(id, roles) of the active accounts of one unit (two columns: intake runs this for every dispatched case)."""
    stmt = select(User.id, User.roles).where(User.unit_id == unit_id, User.is_active.is_(True)).order_by(User.id)
    # Core on the session's connection: no ORM overhead, and the caller's pending rows are not flushed early.
    return [(int(uid), list(roles or [])) for uid, roles in session.connection().execute(stmt)]


def page_of(session: Session, user_id: int, unread_only: bool, offset: int, limit: int
            ) -> tuple[list[Notification], int]:
    """A page of one user's notices, newest first, and their total."""
    stmt = select(Notification).where(Notification.user_id == user_id)
    if unread_only:
        stmt = stmt.where(Notification.read_at.is_(None))
    total = int(session.scalar(select(func.count()).select_from(stmt.subquery())) or 0)
    rows = session.scalars(stmt.order_by(Notification.id.desc()).offset(offset).limit(limit))
    return list(rows), total


def unread_count(session: Session, user_id: int) -> int:
    """How many of one user's notices are unread."""
    stmt = select(func.count()).where(Notification.user_id == user_id, Notification.read_at.is_(None))
    return int(session.scalar(stmt) or 0)


def mark_read(session: Session, user_id: int, ids: Sequence[int] | None, at: datetime) -> int:
    """Mark the user's notices (all unread ones when `ids` is None) read; returns how many changed."""
    stmt = update(Notification).where(Notification.user_id == user_id, Notification.read_at.is_(None))
    if ids is not None:
        stmt = stmt.where(Notification.id.in_(list(ids)))
    return int(session.execute(stmt.values(read_at=at)).rowcount or 0)  # type: ignore[attr-defined]


def latest_batch_size(session: Session, case_id: int, kind: str) -> int:
    """How many users the latest notice of `kind` about a case reached (one batch shares its time)."""
    latest = select(func.max(Notification.created_at)).where(Notification.case_id == case_id,
                                                            Notification.kind == kind).scalar_subquery()
    stmt = select(func.count()).where(Notification.case_id == case_id, Notification.kind == kind,
                                      Notification.created_at == latest)
    return int(session.scalar(stmt) or 0)
