"""All SQL over sharing requests."""

from __future__ import annotations

from sqlalchemy import false, or_, select
from sqlalchemy.orm import Session

from cityloop.accounts.models import User
from cityloop.areas.divisions.models import Division
from cityloop.governance.sharing.requests.models import ShareRequest
from cityloop.governance.sharing.resources.models import ShareResource
from cityloop.kit.auth import Role, Subject


def by_id(session: Session, request_id: int) -> ShareRequest | None:
    """The request with `request_id` (visibility is the service's rule)."""
    return session.get(ShareRequest, request_id)


def visible(session: Session, subject: Subject, limit: int = 200) -> list[ShareRequest]:
    """Requests the subject made, or whose resource their unit owns (approvers), or all for an administrator."""
    stmt = select(ShareRequest).order_by(ShareRequest.id.desc()).limit(limit)
    if Role.ADMIN in subject.roles:
        return list(session.scalars(stmt))
    owned = select(ShareResource.id).where(ShareResource.owner_unit_id == subject.unit_id) \
        if subject.unit_id and subject.has(Role.SUPERVISOR) else None
    mine = ShareRequest.requester_id == subject.id if subject.id is not None else false()
    where = or_(mine, ShareRequest.resource_id.in_(owned)) if owned is not None else mine
    return list(session.scalars(stmt.where(where)))


def division_exists(session: Session, code: str) -> bool:
    """True when `code` is a known division."""
    return session.get(Division, code) is not None


def usernames(session: Session, ids: set[int]) -> dict[int, str]:
    """Usernames by id."""
    if not ids:
        return {}
    return dict(session.execute(select(User.id, User.username).where(User.id.in_(ids))).tuples().all())
