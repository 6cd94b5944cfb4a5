"""Queries of links and contacts."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from cityloop.accounts.models import User
from cityloop.policy.accounts.models import SubjectContact, SubjectLink
from cityloop.policy.registry.models import Enterprise


def link_of_user(session: Session, user_id: int) -> SubjectLink | None:
    """The subject a user speaks for, if any."""
    return session.scalar(select(SubjectLink).where(SubjectLink.user_id == user_id))


def links(session: Session, subject_kind: str | None = None, subject_id: str | None = None) -> list[SubjectLink]:
    """Links, optionally those of one subject."""
    stmt = select(SubjectLink).order_by(SubjectLink.id)
    if subject_kind:
        stmt = stmt.where(SubjectLink.subject_kind == subject_kind)
    if subject_id:
        stmt = stmt.where(SubjectLink.subject_id == subject_id)
    return list(session.scalars(stmt))


def user(session: Session, user_id: int) -> User | None:
    """A user by id."""
    return session.get(User, user_id)


def user_by_name(session: Session, username: str) -> User | None:
    """A user by username."""
    return session.scalar(select(User).where(User.username == username))


def enterprise(session: Session, uscc: str) -> Enterprise | None:
    """An enterprise of the registry by its credit code."""
    return session.scalar(select(Enterprise).where(Enterprise.uscc == uscc))


def contact(session: Session, subject_kind: str, subject_id: str) -> SubjectContact | None:
    """The contact row of a subject."""
    return session.scalar(select(SubjectContact).where(SubjectContact.subject_kind == subject_kind,
                                                       SubjectContact.subject_id == subject_id))


def contacts(session: Session, subject_kind: str, subject_ids: list[str]) -> dict[str, SubjectContact]:
    """Contact rows of many subjects, by subject id."""
    found: dict[str, SubjectContact] = {}
    for start in range(0, len(subject_ids), 5000):
        chunk = subject_ids[start:start + 5000]
        stmt = select(SubjectContact).where(SubjectContact.subject_kind == subject_kind,
                                            SubjectContact.subject_id.in_(chunk))
        found.update({c.subject_id: c for c in session.scalars(stmt)})
    return found


def linked_user_ids(session: Session, subject_kind: str, subject_ids: list[str]) -> dict[str, list[int]]:
    """Active users speaking for each of the subjects."""
    found: dict[str, list[int]] = {}
    for start in range(0, len(subject_ids), 5000):
        chunk = subject_ids[start:start + 5000]
        stmt = (select(SubjectLink.subject_id, SubjectLink.user_id).join(User, User.id == SubjectLink.user_id)
                .where(SubjectLink.subject_kind == subject_kind, SubjectLink.subject_id.in_(chunk),
                       User.is_active.is_(True)))
        for sid, uid in session.execute(stmt):
            found.setdefault(sid, []).append(uid)
    return found
