"""All SQL over export approvals."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from cityloop.accounts.models import User
from cityloop.governance.sharing.exports.models import ExportApproval
from cityloop.governance.sharing.states import ExportState


def by_id(session: Session, approval_id: int) -> ExportApproval | None:
    """The approval with `approval_id`."""
    return session.get(ExportApproval, approval_id)


def valid_for(session: Session, requester_id: int, export: str, now: datetime) -> ExportApproval | None:
    """The oldest approved, unexpired approval of one user for one export, locked for its use."""
    stmt = (select(ExportApproval).where(ExportApproval.requester_id == requester_id,
                                         ExportApproval.export == export,
                                         ExportApproval.state == ExportState.APPROVED,
                                         ExportApproval.expires_at > now)
            .order_by(ExportApproval.id).limit(1).with_for_update())
    return session.scalar(stmt)


def recent(session: Session, requester_id: int | None, limit: int = 200) -> list[ExportApproval]:
    """The newest approvals, of one requester when given."""
    stmt = select(ExportApproval).order_by(ExportApproval.id.desc()).limit(limit)
    if requester_id is not None:
        stmt = stmt.where(ExportApproval.requester_id == requester_id)
    return list(session.scalars(stmt))


def usernames(session: Session, ids: set[int]) -> dict[int, str]:
    """Usernames by id."""
    return dict(session.execute(select(User.id, User.username).where(User.id.in_(ids))).tuples().all())
