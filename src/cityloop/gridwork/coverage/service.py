"""Which points were due on a day (their cycle asked for a patrol) and which were checked."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from pydantic import BaseModel
from sqlalchemy.orm import Session

from cityloop.gridwork.checkins import repository as checkins_repo
from cityloop.gridwork.points import repository as points_repo
from cityloop.kit.auth import Subject
from cityloop.kit.clock import LOCAL_TZ, to_local


class PointCoverage(BaseModel):
    """One point on one day."""

    point_id: str
    name: str
    grid_code: str | None
    cycle_days: int
    due: bool
    checked: bool
    last_checked_at: datetime | None


class Coverage(BaseModel):
    """A day's coverage in the caller's area: per point, and the totals a street command room reads first."""

    date: date
    due: int
    checked: int
    missed: int
    items: list[PointCoverage]


def day_bounds(day: date) -> tuple[datetime, datetime]:
    """The local (Asia/Shanghai) day as an aware [start, end)."""
    start = datetime.combine(day, time(0), tzinfo=LOCAL_TZ)
    return start, start + timedelta(days=1)


def coverage(session: Session, subject: Subject, day: date) -> Coverage:
    """A point is due when its last check-in before the day is at least its cycle ago (or it never had one)."""
    points = list(session.scalars(points_repo.scoped_points(session, subject).order_by("code")))
    start, end = day_bounds(day)
    ids = [p.id for p in points]
    last = checkins_repo.last_before(session, ids, start)
    that_day = checkins_repo.checked_between(session, ids, start, end)
    items = []
    for p in points:
        before = last.get(p.id)
        due = before is None or (day - to_local(before).date()).days >= p.cycle_days
        items.append(PointCoverage(point_id=p.code, name=p.name, grid_code=p.grid_code, cycle_days=p.cycle_days,
                                   due=due, checked=p.id in that_day, last_checked_at=before))
    due_n = sum(i.due for i in items)
    missed = sum(i.due and not i.checked for i in items)
    return Coverage(date=day, due=due_n, checked=sum(i.checked for i in items), missed=missed, items=items)
