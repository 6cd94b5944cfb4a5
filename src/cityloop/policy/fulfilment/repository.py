"""All SQL over fulfilment tasks; staff reads go through `scoped`."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import Select, false, select, tuple_
from sqlalchemy.orm import Session

from cityloop.kit.auth import Role, Subject
from cityloop.policy.fulfilment.models import Fulfilment, FulfilmentEvent
from cityloop.policy.fulfilment.states import OPEN, Stage


def scoped(subject: Subject) -> Select[tuple[Fulfilment]]:
    """Tasks the subject may see: all for admins and the system, those of their area subtree for staff."""
    stmt = select(Fulfilment)
    if Role.SYSTEM in subject.roles or Role.ADMIN in subject.roles:
        return stmt
    if not subject.is_staff or not subject.scope:
        return stmt.where(false())
    return stmt.where(Fulfilment.division_code.startswith(subject.scope, autoescape=True))


def get(session: Session, subject: Subject, task_id: int) -> Fulfilment | None:
    """One visible task."""
    return session.scalars(scoped(subject).where(Fulfilment.id == task_id)).first()


def listing(session: Session, subject: Subject, policy_id: str | None, stage: str | None, overdue: bool | None,
            limit: int, offset: int) -> list[Fulfilment]:
    """Visible tasks, filtered; open ones by due date first, then the newest closed."""
    stmt = scoped(subject)
    if policy_id:
        stmt = stmt.where(Fulfilment.policy_id == policy_id)
    if stage:
        stmt = stmt.where(Fulfilment.stage == stage)
    if overdue is not None:
        stmt = stmt.where(Fulfilment.overdue.is_(overdue))
    stmt = stmt.order_by(Fulfilment.stage_due.is_(None), Fulfilment.stage_due, Fulfilment.id.desc())
    return list(session.scalars(stmt.limit(limit).offset(offset)))


def events(session: Session, task_id: int) -> list[FulfilmentEvent]:
    """A task's events, oldest first (the caller has checked visibility)."""
    stmt = select(FulfilmentEvent).where(FulfilmentEvent.fulfilment_id == task_id).order_by(FulfilmentEvent.id)
    return list(session.scalars(stmt))


def existing_keys(session: Session, policy_id: str, subject_ids: list[str]) -> set[tuple[str, int]]:
    """(subject id, version) of the tasks a policy already has for these subjects; system use."""
    found: set[tuple[str, int]] = set()
    for start in range(0, len(subject_ids), 5000):
        # By subject (its index), the policy checked here: the unique index's policy prefix would scan its tasks.
        stmt = select(Fulfilment.subject_id, Fulfilment.policy_version, Fulfilment.policy_id).where(
            Fulfilment.subject_id.in_(subject_ids[start:start + 5000]))
        found |= {(s, v) for s, v, p in session.execute(stmt) if p == policy_id}
    return found


def withdrawn_of(session: Session, policy_id: str, version: int, subject_ids: list[str]) -> list[Fulfilment]:
    """Withdrawn tasks of one policy version for these subjects; system use."""
    found: list[Fulfilment] = []
    for start in range(0, len(subject_ids), 5000):
        stmt = select(Fulfilment).where(Fulfilment.subject_id.in_(subject_ids[start:start + 5000]),
                                        Fulfilment.policy_id == policy_id, Fulfilment.policy_version == version,
                                        Fulfilment.stage == Stage.WITHDRAWN)
        found += list(session.scalars(stmt))
    return found


def open_of(session: Session, pairs: Iterable[tuple[str, str]]) -> list[Fulfilment]:
    """Open tasks of these (policy id, subject id) pairs; system use."""
    wanted = list(pairs)
    found: list[Fulfilment] = []
    for start in range(0, len(wanted), 2000):
        stmt = select(Fulfilment).where(Fulfilment.stage.in_(OPEN), tuple_(Fulfilment.policy_id, Fulfilment.subject_id)
                                        .in_(wanted[start:start + 2000]))
        found += list(session.scalars(stmt))
    return found


def late_open(session: Session, now: datetime, limit: int = 5000) -> list[Fulfilment]:
    """Open tasks past their stage's due time not yet marked overdue; system use."""
    stmt = select(Fulfilment).where(Fulfilment.stage.in_(OPEN), Fulfilment.overdue.is_(False),
                                    Fulfilment.stage_due < now)
    return list(session.scalars(stmt.order_by(Fulfilment.stage_due).limit(limit)))


def of_policies(session: Session, policy_ids: list[str], division_prefix: str = "") -> list[Fulfilment]:
    """Every task of these policies in an area (for statistics; no personal data leaves)."""
    stmt = select(Fulfilment).where(Fulfilment.policy_id.in_(policy_ids))
    if division_prefix:
        stmt = stmt.where(Fulfilment.division_code.startswith(division_prefix, autoescape=True))
    return list(session.scalars(stmt))
