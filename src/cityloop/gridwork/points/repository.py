"""All SQL of patrol points; staff reads are restricted to the caller's area or their own points and grids."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import Select, false, or_, select
from sqlalchemy.orm import Session

from cityloop.accounts.models import User
from cityloop.areas.grids.models import GridWorker
from cityloop.gridwork.points.models import PatrolPoint, PointWorker
from cityloop.kit.auth import Role, Subject


def scoped_points(session: Session, subject: Subject) -> Select[tuple[PatrolPoint]]:
    """Active points the subject may see: a grid worker's own points and grids, or the points in an area."""
    stmt = select(PatrolPoint).where(PatrolPoint.is_active.is_(True))
    if Role.SYSTEM in subject.roles or (subject.has(Role.ADMIN) and not subject.scope):
        return stmt
    own = _own(subject)
    if subject.roles <= {Role.GRID_WORKER} or not subject.scope:
        return stmt.where(own)
    return stmt.where(or_(PatrolPoint.division_code.startswith(subject.scope, autoescape=True), own))


def _own(subject: Subject):  # type: ignore[no-untyped-def]
    if not subject.id:
        return false()
    mine = select(PointWorker.point_id).where(PointWorker.user_id == subject.id)
    grids = select(GridWorker.grid_code).where(GridWorker.user_id == subject.id)
    return or_(PatrolPoint.id.in_(mine), PatrolPoint.grid_code.in_(grids))


def visible_point(session: Session, subject: Subject, code: str) -> PatrolPoint | None:
    """One visible point by its code."""
    return session.scalar(scoped_points(session, subject).where(PatrolPoint.code == code))


def points_by_code(session: Session, codes: Sequence[str]) -> dict[str, PatrolPoint]:
    """Existing points by code (imports update them)."""
    if not codes:
        return {}
    return {p.code: p for p in session.scalars(select(PatrolPoint).where(PatrolPoint.code.in_(list(codes))))}


def users_by_name(session: Session, names: Sequence[str]) -> dict[str, User]:
    """Active users by username."""
    if not names:
        return {}
    stmt = select(User).where(User.username.in_(list(names)), User.is_active.is_(True))
    return {u.username: u for u in session.scalars(stmt)}


def workers_of(session: Session, point_ids: Sequence[int]) -> set[tuple[int, int]]:
    """(point id, user id) assignments of the given points."""
    if not point_ids:
        return set()
    stmt = select(PointWorker.point_id, PointWorker.user_id).where(PointWorker.point_id.in_(list(point_ids)))
    return {(int(p), int(u)) for p, u in session.execute(stmt)}
