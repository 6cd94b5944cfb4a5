"""Monthly appraisal per grid worker: patrol completion, reports, valid share, on-time closure, response time.

Formulas (docs/gridwork.md): over the month's local days and the worker's points,
- patrol_rate = point-days due and checked / point-days due (due as in coverage);
- visit_rate = elements on the worker's visit lists last visited within their plan's cycle at the month's end /
  elements on the lists;
- reported = cases the worker filed (their receive event) in the month, in the caller's view;
- valid_rate = reported not invalid or merged / reported;
- on_time_rate = reported completed by their deadline / reported completed;
- avg_response_hours = mean hours from receipt to completion of reported completed cases.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date, datetime, timedelta

from pydantic import BaseModel
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from cityloop.accounts.models import User
from cityloop.accounts.service import subject_for_user
from cityloop.cases import repository as cases_repo
from cityloop.gridwork.checkins.models import CheckIn
from cityloop.gridwork.coverage.service import day_bounds
from cityloop.gridwork.points import repository as points_repo
from cityloop.gridwork.points.models import PatrolPoint, PointWorker
from cityloop.gridwork.visits import repository as visits_repo
from cityloop.gridwork.visits.plans import PLANS
from cityloop.kit.auth import Role, Subject
from cityloop.kit.clock import to_local
from cityloop.kit.errors import Forbidden, ValidationFailed

NOT_VALID = frozenset({"invalid", "merged"})


class WorkerScore(BaseModel):
    """One grid worker's month."""

    user_id: int
    username: str
    name: str
    points: int
    due: int
    checked: int
    patrol_rate: float | None
    visit_list: int
    visited: int
    visit_rate: float | None
    reported: int
    valid_rate: float | None
    on_time_rate: float | None
    avg_response_hours: float | None


def month_days(month: date) -> list[date]:
    """Every local day of the month `month` falls in."""
    first = month.replace(day=1)
    nxt = (first + timedelta(days=32)).replace(day=1)
    return [first + timedelta(days=i) for i in range((nxt - first).days)]


def appraise(session: Session, subject: Subject, month: str) -> list[WorkerScore]:
    """Scores (month `YYYY-MM`) of the workers responsible for the points the caller may see."""
    if not subject.has(Role.SUPERVISOR, Role.LEADER, Role.DISPATCHER):
        raise Forbidden("只有督办、领导或派单人员可以查看考核", "Only supervisors, leaders and dispatchers see it")
    try:
        first = date.fromisoformat(f"{month}-01")
    except ValueError:
        raise ValidationFailed({"month": ("月份格式应为 YYYY-MM", "month must be YYYY-MM")}) from None
    return _appraise(session, subject, first)


def _appraise(session: Session, subject: Subject, month: date) -> list[WorkerScore]:
    days = month_days(month)
    start, end = day_bounds(days[0])[0], day_bounds(days[-1])[1]
    points = {p.id: p for p in session.scalars(points_repo.scoped_points(session, subject))}
    owners = _owners(session, list(points))
    patrol = _patrol(session, points, days, start, end)
    users = {u.id: u for u in session.scalars(select(User).where(User.id.in_(list(owners))))}
    cases = cases_repo.reported_by(session, subject, list(users), start, end)
    out = []
    for uid, user in sorted(users.items(), key=lambda kv: kv[1].username):
        due = sum(patrol[p][0] for p in owners[uid])
        checked = sum(patrol[p][1] for p in owners[uid])
        listed, visited = _visits(session, user, end)
        out.append(WorkerScore(user_id=uid, username=user.username, name=user.display_name or user.username,
                               points=len(owners[uid]), due=due, checked=checked, patrol_rate=_rate(checked, due),
                               visit_list=listed, visited=visited, visit_rate=_rate(visited, listed),
                               **_reports([c for c in cases if c[0] == uid])))
    return out


def _visits(session: Session, user: User, end: datetime) -> tuple[int, int]:
    """(elements on the worker's visit lists, those visited within their cycle by `end`)."""
    worker = subject_for_user(session, user)
    listed = visited = 0
    last_day = to_local(end - timedelta(microseconds=1)).date()
    for plan in PLANS.values():
        codes = [e.code for e in visits_repo.elements_of(session, worker, plan)]
        last = visits_repo.last_visits(session, codes, end)
        listed += len(codes)
        visited += sum((last_day - to_local(at).date()).days < plan.cycle_days for at in last.values())
    return listed, visited


def _owners(session: Session, point_ids: list[int]) -> dict[int, list[int]]:
    owners: dict[int, list[int]] = defaultdict(list)
    if point_ids:
        rows = session.execute(select(PointWorker.user_id, PointWorker.point_id)
                               .where(PointWorker.point_id.in_(point_ids)))
        for user_id, point_id in rows:
            owners[int(user_id)].append(int(point_id))
    return owners


def _patrol(session: Session, points: dict[int, PatrolPoint], days: list[date], start: datetime, end: datetime
            ) -> dict[int, tuple[int, int]]:
    """(due point-days, due and checked point-days) per point, simulating coverage day by day."""
    ids = list(points)
    last: dict[int, datetime] = {}
    if ids:
        for pid, at in session.execute(select(CheckIn.point_id, func.max(CheckIn.at))
                                       .where(CheckIn.point_id.in_(ids), CheckIn.at < start)
                                       .group_by(CheckIn.point_id)):
            last[int(pid)] = at
    visits: dict[int, set[date]] = defaultdict(set)
    if ids:
        for pid, at in session.execute(select(CheckIn.point_id, CheckIn.at).where(
                CheckIn.point_id.in_(ids), CheckIn.at >= start, CheckIn.at < end)):
            visits[int(pid)].add(to_local(at).date())
    out: dict[int, tuple[int, int]] = {}
    for pid, point in points.items():
        previous = to_local(last[pid]).date() if pid in last else None
        due_n = checked_n = 0
        for day in days:
            due = previous is None or (day - previous).days >= point.cycle_days
            hit = day in visits[pid]
            due_n += due
            checked_n += due and hit
            previous = day if hit else previous
        out[pid] = (due_n, checked_n)
    return out


def _reports(rows: list[tuple[int, str, datetime, datetime | None, datetime | None]]) -> dict[str, float | int | None]:
    valid = [r for r in rows if r[1] not in NOT_VALID]
    completed = [r for r in rows if r[3] is not None]
    on_time = [r for r in completed if r[4] is not None and r[3] is not None and r[3] <= r[4]]
    hours = [(r[3] - r[2]).total_seconds() / 3600 for r in completed if r[3] is not None]
    return {"reported": len(rows), "valid_rate": _rate(len(valid), len(rows)),
            "on_time_rate": _rate(len(on_time), len(completed)),
            "avg_response_hours": round(sum(hours) / len(hours), 1) if hours else None}


def _rate(part: int, whole: int) -> float | None:
    return round(part / whole, 4) if whole else None


COLUMNS = [("username", "账号", "Login"), ("name", "姓名", "Name"), ("points", "点位数", "Points"),
           ("due", "应巡点次", "Due point-days"), ("checked", "已巡点次", "Checked"),
           ("patrol_rate", "巡查完成率", "Patrol rate"), ("visit_rate", "走访完成率", "Visit rate"),
           ("reported", "上报事件数", "Reported"),
           ("valid_rate", "有效上报率", "Valid share"), ("on_time_rate", "事件按期办结率", "On-time closure"),
           ("avg_response_hours", "平均响应时长（小时）", "Avg response (h)")]


def table(scores: list[WorkerScore], lang: str) -> tuple[list[str], list[list[object]]]:
    """Header and rows for an XLSX/CSV export."""
    header = [en if lang == "en" else zh for _k, zh, en in COLUMNS]
    return header, [[getattr(s, k) for k, _zh, _en in COLUMNS] for s in scores]
