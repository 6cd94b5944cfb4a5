"""All SQL over applications; staff reads go through `scoped_applications`."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from cityloop.kit.auth import Role, Subject
from cityloop.services.applications.models import Application, ApplicationEvent
from cityloop.services.applications.states import OPEN_STATES, AppState


def scoped_applications(subject: Subject) -> Select[tuple[Application]]:
    """Applications the subject may see: a citizen their own, staff those in their area subtree."""
    stmt = select(Application)
    if Role.SYSTEM in subject.roles or Role.ADMIN in subject.roles:
        return stmt
    if not subject.is_staff:
        return stmt.where(Application.applicant_id == (subject.id or -1))
    if not subject.scope:
        return stmt.where(Application.id.is_(None))
    return stmt.where(Application.division_code.startswith(subject.scope, autoescape=True))


def get(session: Session, subject: Subject, app_id: int) -> Application | None:
    """One visible application."""
    return session.scalars(scoped_applications(subject).where(Application.id == app_id)).first()


def listing(session: Session, subject: Subject, states: Sequence[str], limit: int) -> list[Application]:
    """Visible applications in `states` (all when empty), oldest deadline first."""
    stmt = scoped_applications(subject)
    if states:
        stmt = stmt.where(Application.state.in_(states))
    return list(session.scalars(stmt.order_by(Application.deadline, Application.id).limit(limit)))


def has_event(session: Session, app_id: int, action: str) -> bool:
    """True if the application already went through `action`."""
    stmt = select(ApplicationEvent.id).where(ApplicationEvent.application_id == app_id,
                                             ApplicationEvent.action == action).limit(1)
    return session.scalars(stmt).first() is not None


def events(session: Session, app_id: int) -> list[ApplicationEvent]:
    """The application's events, oldest first (the caller has checked visibility)."""
    stmt = select(ApplicationEvent).where(ApplicationEvent.application_id == app_id).order_by(ApplicationEvent.id)
    return list(session.scalars(stmt))


def late_open(session: Session, now: datetime, limit: int = 2000) -> list[Application]:
    """Open applications past their deadline, except those waiting for 补正 (their clock is stopped); system use."""
    running = [s for s in OPEN_STATES if s != AppState.CORRECTION]
    stmt = select(Application).where(Application.state.in_(running), Application.deadline < now)
    return list(session.scalars(stmt.order_by(Application.deadline).limit(limit)))


def events_of(session: Session, app_id: int, action: str) -> list[ApplicationEvent]:
    """The application's events of one action, oldest first."""
    stmt = select(ApplicationEvent).where(ApplicationEvent.application_id == app_id,
                                          ApplicationEvent.action == action).order_by(ApplicationEvent.id)
    return list(session.scalars(stmt))
