"""All SQL of visits: elements in a worker's grids or an area, and their latest visits."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from cityloop.areas.elements.models import ELEMENT_MODELS, ElementMixin
from cityloop.areas.elements.repository import scope_elements
from cityloop.areas.grids.models import GridWorker
from cityloop.gridwork.visits.models import Visit
from cityloop.gridwork.visits.plans import Plan
from cityloop.kit.auth import Role, Subject

MAX_ELEMENTS = 5000


def _scoped(model: type[ElementMixin], subject: Subject) -> Select[Any]:
    """Elements in the subject's area; a grid worker's further narrowed to their own grids."""
    stmt = scope_elements(select(model), model, subject)
    if Role.GRID_WORKER in subject.roles and subject.roles <= {Role.GRID_WORKER}:
        grids = select(GridWorker.grid_code).where(GridWorker.user_id == (subject.id or 0))
        stmt = stmt.where(model.grid_code.in_(grids))
    return stmt


def elements_of(session: Session, subject: Subject, plan: Plan) -> list[ElementMixin]:
    """The plan's elements the subject may visit (a worker: in their grids; area staff: in their area)."""
    model = ELEMENT_MODELS[plan.kind]
    stmt = _scoped(model, subject)
    rows = list(session.scalars(stmt.order_by(model.code).limit(MAX_ELEMENTS * 4)))
    if plan.tag:
        rows = [r for r in rows if plan.tag in (getattr(r, "tags", None) or [])]
    return rows[:MAX_ELEMENTS]


def visible_element(session: Session, subject: Subject, plan: Plan, code: str) -> ElementMixin | None:
    """One element of the plan's kind the subject may visit."""
    model = ELEMENT_MODELS[plan.kind]
    return session.scalar(_scoped(model, subject).where(model.code == code))


def last_visits(session: Session, codes: Sequence[str], before: datetime) -> dict[str, datetime]:
    """Each element's latest visit before a time."""
    if not codes:
        return {}
    stmt = (select(Visit.element_code, func.max(Visit.at)).where(Visit.element_code.in_(list(codes)),
                                                                 Visit.at < before).group_by(Visit.element_code))
    return {str(c): at for c, at in session.execute(stmt)}


def history(session: Session, code: str, limit: int = 100) -> list[Visit]:
    """One element's visits, newest first (callers check the element's visibility first)."""
    stmt = select(Visit).where(Visit.element_code == code).order_by(Visit.at.desc()).limit(limit)
    return list(session.scalars(stmt))


def by_key(session: Session, user_id: int, key: str) -> Visit | None:
    """The visit a user already sent under an idempotency key."""
    return session.scalar(select(Visit).where(Visit.user_id == user_id, Visit.idempotency_key == key))
