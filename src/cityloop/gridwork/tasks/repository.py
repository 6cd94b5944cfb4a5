"""All SQL of tasks; reads restricted to tasks in the caller's area or over the caller's own points."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import Select, and_, or_, select
from sqlalchemy.orm import Session

from cityloop.accounts.models import User
from cityloop.gridwork.checkins.models import CheckIn
from cityloop.gridwork.points.models import PatrolPoint, PointWorker
from cityloop.gridwork.tasks.models import GridTask, TaskPoint
from cityloop.kit.auth import Role, Subject


def scoped_tasks(subject: Subject) -> Select[tuple[GridTask]]:
    """Tasks the subject may see: in their area, or (grid workers) covering one of their points."""
    stmt = select(GridTask)
    if Role.SYSTEM in subject.roles or (subject.has(Role.ADMIN) and not subject.scope):
        return stmt
    mine = (select(TaskPoint.task_id).join(PointWorker, PointWorker.point_id == TaskPoint.point_id)
            .where(PointWorker.user_id == (subject.id or 0)))
    if subject.roles <= {Role.GRID_WORKER} or not subject.scope:
        return stmt.where(GridTask.id.in_(mine))
    return stmt.where(or_(GridTask.division_code.startswith(subject.scope, autoescape=True), GridTask.id.in_(mine)))


def targets(session: Session, task_ids: Sequence[int]) -> list[tuple[int, int, str]]:
    """(task id, point id, point code) of the tasks."""
    if not task_ids:
        return []
    stmt = (select(TaskPoint.task_id, PatrolPoint.id, PatrolPoint.code).join(PatrolPoint, PatrolPoint.id ==
                                                                              TaskPoint.point_id)
            .where(TaskPoint.task_id.in_(list(task_ids))))
    return [(int(t), int(p), str(c)) for t, p, c in session.execute(stmt)]


def patrolled_since(session: Session, pairs: Sequence[tuple[int, datetime]]) -> set[int]:
    """Points (of (point id, since) pairs) with a check-in at or after their time."""
    if not pairs:
        return set()
    condition = or_(*[and_(CheckIn.point_id == p, CheckIn.at >= since) for p, since in pairs])
    return {int(p) for p in session.scalars(select(CheckIn.point_id).where(condition).distinct())}


def workers_of(session: Session, point_ids: Sequence[int]) -> list[tuple[int, int, str]]:
    """(point id, user id, display name) of the points' workers."""
    if not point_ids:
        return []
    stmt = (select(PointWorker.point_id, User.id, User.display_name, User.username)
            .join(User, User.id == PointWorker.user_id).where(PointWorker.point_id.in_(list(point_ids))))
    return [(int(p), int(u), d or n) for p, u, d, n in session.execute(stmt)]
