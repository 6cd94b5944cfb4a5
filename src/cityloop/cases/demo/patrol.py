"""Demo patrol work: points in every worked grid, their cycles and workers, and 60 days of check-ins with misses."""

from __future__ import annotations

import json
import random
from datetime import UTC, datetime, time, timedelta

from shapely.geometry import shape
from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from cityloop.areas.grids.models import Grid, GridWorker
from cityloop.gridwork.checkins.models import CheckIn
from cityloop.gridwork.points.models import PatrolPoint, PointWorker
from cityloop.gridwork.tasks.models import GridTask, TaskPoint
from cityloop.kit.clock import LOCAL_TZ, to_local

PATROL_DAYS = 60
MIN_POINTS = 300
CYCLES = (1, 1, 1, 2, 3, 7)
MISS_RATE = 0.12
KINDS = ("井盖", "河道断面", "农贸市场", "背街小巷", "公园出入口", "建筑工地", "学校周边", "公交站台")


def seed_patrol(session: Session, seed: int, now: datetime, home_street: str) -> int:
    """Create the demo's patrol points and check-ins; returns how many points."""
    rng = random.Random(f"{seed}:patrol")
    workers: dict[str, list[int]] = {}
    for code, user_id in session.execute(select(GridWorker.grid_code, GridWorker.user_id)):
        workers.setdefault(code, []).append(int(user_id))
    grids = [g for g in session.scalars(select(Grid).where(Grid.code.in_(list(workers))).order_by(Grid.code))]
    if not grids:
        return 0
    per_grid = max(1, -(-MIN_POINTS // len(grids)))
    points = []
    for grid in grids:
        for n in range(per_grid):
            points.append(_point(grid, n, rng))
    session.add_all(points)
    session.flush()
    session.add_all(PointWorker(point_id=p.id, user_id=u) for p in points for u in workers[p.grid_code or ""])
    session.execute(insert(CheckIn), _history(points, workers, now, rng))
    _tasks(session, points, now, home_street)
    session.commit()
    return len(points)


def _tasks(session: Session, points: list[PatrolPoint], now: datetime, home_street: str) -> None:
    """Two tasks in the demo grid worker's street: one running late, one due in two days."""
    street = [p for p in points if p.division_code.startswith(home_street)] or points
    for title, kind, began, due, chosen in (
            ("排查汛期积水隐患点", "survey", now - timedelta(days=5), now - timedelta(days=1), street[:6]),
            ("燃气安全入户宣传", "publicity", now - timedelta(hours=2), now + timedelta(days=2), street[6:12])):
        task = GridTask(title=title, kind=kind, division_code=home_street, created_at=began, due_at=due,
                        description="演示任务")
        session.add(task)
        session.flush()
        session.add_all(TaskPoint(task_id=task.id, point_id=p.id) for p in chosen)


def _point(grid: Grid, n: int, rng: random.Random) -> PatrolPoint:
    area = shape(json.loads(grid.geometry))
    inside = area.representative_point()
    # Spread a grid's points a little around a point surely inside it, keeping them inside.
    for _ in range(20):
        lng, lat = inside.x + rng.uniform(-0.002, 0.002), inside.y + rng.uniform(-0.002, 0.002)
        if area.contains(type(inside)(lng, lat)):
            break
    else:
        lng, lat = inside.x, inside.y
    kind = KINDS[(n + len(grid.code)) % len(KINDS)]
    return PatrolPoint(code=f"{grid.code}-{n + 1:02d}", name=f"{grid.name}{kind}{n + 1}号", lng=round(lng, 6),
                       lat=round(lat, 6), division_code=grid.division_code, grid_code=grid.code,
                       cycle_days=rng.choice(CYCLES))


def _history(points: list[PatrolPoint], workers: dict[str, list[int]], now: datetime,
             rng: random.Random) -> list[dict[str, object]]:
    today = to_local(now).date()
    rows: list[dict[str, object]] = []
    for p in points:
        last: int | None = None
        staff = workers[p.grid_code or ""]
        for back in range(PATROL_DAYS, 0, -1):
            day = today - timedelta(days=back)
            due = last is None or back <= last - p.cycle_days
            if not due or rng.random() < MISS_RATE:
                continue
            at = datetime.combine(day, time(rng.randint(8, 17), rng.randint(0, 59)), tzinfo=LOCAL_TZ).astimezone(UTC)
            rows.append({
                "point_id": p.id, "user_id": rng.choice(staff), "at": at, "received_at": at,
                "lng": p.lng + rng.uniform(-2e-4, 2e-4), "lat": p.lat + rng.uniform(-2e-4, 2e-4),
                "accuracy_m": round(rng.uniform(5, 30), 1), "distance_m": round(rng.uniform(2, 40), 1),
                "method": rng.choice(("gps", "qr")), "result": "problem" if rng.random() < 0.03 else "ok", "note": ""})
            last = back
    return rows
