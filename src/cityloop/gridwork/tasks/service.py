"""Task rules: created over visible points by area staff; progress from check-ins since the task began."""

from __future__ import annotations

from collections import defaultdict

from sqlalchemy.orm import Session

from cityloop.audit import service as audit
from cityloop.config import get_settings
from cityloop.gridwork.points import repository as points_repo
from cityloop.gridwork.points.models import PatrolPoint
from cityloop.gridwork.tasks import repository as repo
from cityloop.gridwork.tasks.models import GridTask, TaskPoint
from cityloop.gridwork.tasks.schemas import TASK_KINDS, TaskIn, TaskOut, WorkerProgress
from cityloop.kit.auth import Role, Subject
from cityloop.kit.calendar import card
from cityloop.kit.clock import utcnow
from cityloop.kit.errors import Forbidden, NotFound, ValidationFailed

ASSIGNERS = (Role.SUPERVISOR, Role.DISPATCHER)


def create(session: Session, subject: Subject, body: TaskIn) -> GridTask:
    """A task over points the creator may see; unknown or foreign points are named in the error."""
    if not subject.has(*ASSIGNERS):
        raise Forbidden("只有督办或派单人员可以布置网格任务", "Only supervisors and dispatchers assign grid tasks")
    if body.due_at <= utcnow():
        raise ValidationFailed({"due_at": ("完成时限须晚于现在", "due_at must be in the future")})
    codes = list(dict.fromkeys(body.point_ids))
    found = {p.code: p for p in session.scalars(points_repo.scoped_points(session, subject)
                                                .where(PatrolPoint.code.in_(codes)))}
    missing = [c for c in codes if c not in found]
    if missing:
        raise ValidationFailed({"point_ids": (f"点位不存在或不在您的辖区：{'、'.join(missing[:10])}",
                                              f"unknown or outside your area: {', '.join(missing[:10])}")})
    task = GridTask(title=body.title, kind=body.kind, description=body.description, due_at=body.due_at,
                    division_code=subject.scope or get_settings().city_code, created_by=subject.id,
                    created_at=utcnow())
    session.add(task)
    session.flush()
    session.add_all(TaskPoint(task_id=task.id, point_id=found[c].id) for c in codes)
    audit.record(session, subject, "grid_task_create", "grid_task", [task.id], {"points": len(codes)})
    session.commit()
    return task


def list_tasks(session: Session, subject: Subject, lang: str = "zh", limit: int = 100) -> list[TaskOut]:
    """Visible tasks, unfinished and soonest due first."""
    tasks = list(session.scalars(repo.scoped_tasks(subject).order_by(GridTask.due_at.desc()).limit(limit)))
    out = progress(session, tasks, lang)
    return sorted(out, key=lambda t: (t.done == t.total, t.due_at))


def get(session: Session, subject: Subject, task_id: int, lang: str = "zh") -> TaskOut:
    """One visible task."""
    task = session.scalar(repo.scoped_tasks(subject).where(GridTask.id == task_id))
    if task is None:
        raise NotFound("任务不存在或不在您的辖区", "Task not found or outside your area")
    return progress(session, [task], lang)[0]


def progress(session: Session, tasks: list[GridTask], lang: str) -> list[TaskOut]:
    """Each task's points done (a check-in at or after the task began), per worker, and its card."""
    targets = repo.targets(session, [t.id for t in tasks])
    began = {t.id: t.created_at for t in tasks}
    done = repo.patrolled_since(session, [(p, began[t]) for t, p, _c in targets])
    people = repo.workers_of(session, sorted({p for _t, p, _c in targets}))
    by_point: dict[int, list[tuple[int, str]]] = defaultdict(list)
    for p, u, name in people:
        by_point[p].append((u, name))
    now, share = utcnow(), get_settings().yellow_share
    out = []
    for task in tasks:
        mine = [(p, c) for t, p, c in targets if t == task.id]
        finished = sum(p in done for p, _c in mine)
        colour = "none" if finished == len(mine) else card(task.created_at, task.due_at, now, share)
        out.append(TaskOut(
            id=task.id, title=task.title, kind=task.kind, kind_label=TASK_KINDS[task.kind][1 if lang == "en" else 0],
            description=task.description, due_at=task.due_at, created_at=task.created_at, done=finished,
            total=len(mine), card=str(colour), workers=_workers(mine, done, by_point),
            pending_points=sorted(c for p, c in mine if p not in done)))
    return out


def _workers(mine: list[tuple[int, str]], done: set[int], by_point: dict[int, list[tuple[int, str]]]
             ) -> list[WorkerProgress]:
    tally: dict[int, list[int | str]] = {}
    for p, _c in mine:
        for u, name in by_point.get(p, []):
            row = tally.setdefault(u, [name, 0, 0])
            row[1] = int(row[1]) + int(p in done)
            row[2] = int(row[2]) + 1
    return [WorkerProgress(user_id=u, name=str(n), done=int(d), total=int(t)) for u, (n, d, t) in sorted(tally.items())]
