"""Cases near patrol points: a point's recent cases within a radius, and points where problems keep recurring."""

from __future__ import annotations

import math
from collections import defaultdict
from datetime import timedelta

from pydantic import BaseModel
from sqlalchemy.orm import Session

from cityloop.cases import repository as cases_repo
from cityloop.cases.models import Case
from cityloop.config import get_settings
from cityloop.gridwork.checkins.service import distance_m
from cityloop.gridwork.points import repository as points_repo
from cityloop.gridwork.points.models import PatrolPoint
from cityloop.kit.auth import Subject
from cityloop.kit.clock import utcnow
from cityloop.kit.errors import NotFound

WINDOW_DAYS = 30
RECURRENCE_MIN = 3  # cases within the radius in the window that flag a point
MAX_CASES = 5000
_M_PER_DEG_LAT = 111_320.0


class NearbyCase(BaseModel):
    """A case near a point."""

    id: int
    number: str
    title: str
    state: str
    distance_m: float


class PointDetail(BaseModel):
    """A point with the cases around it and whether problems recur there."""

    point_id: str
    name: str
    lng: float
    lat: float
    grid_code: str | None
    cycle_days: int
    radius_m: float
    cases: list[NearbyCase]
    recurring: bool


class Hotspot(BaseModel):
    """A point whose surroundings produced at least RECURRENCE_MIN cases in the window."""

    point_id: str
    name: str
    grid_code: str | None
    cases: int


def radius() -> float:
    """How far around a point a case counts as the point's (the check-in radius, at least 200 m)."""
    return max(get_settings().checkin_radius_m, 200.0)


def _box(lng: float, lat: float, metres: float) -> tuple[float, float, float, float]:
    dlat = metres / _M_PER_DEG_LAT
    dlng = metres / (_M_PER_DEG_LAT * max(math.cos(math.radians(lat)), 0.01))
    return lng - dlng, lat - dlat, lng + dlng, lat + dlat


def point_detail(session: Session, subject: Subject, code: str) -> PointDetail:
    """A visible point and the visible cases of the window around it, nearest first."""
    point = points_repo.visible_point(session, subject, code)
    if point is None:
        raise NotFound("点位不存在或不在您的辖区", "No such patrol point in your area")
    r = radius()
    since = utcnow() - timedelta(days=WINDOW_DAYS)
    near = []
    for case in cases_repo.cases_in_box(session, subject, _box(point.lng, point.lat, r), since, MAX_CASES):
        away = distance_m(point, float(case.lng or 0), float(case.lat or 0))
        if away <= r:
            near.append(NearbyCase(id=case.id, number=case.number, title=case.title, state=case.state,
                                   distance_m=round(away, 1)))
    near.sort(key=lambda c: c.distance_m)
    return PointDetail(point_id=point.code, name=point.name, lng=point.lng, lat=point.lat, grid_code=point.grid_code,
                       cycle_days=point.cycle_days, radius_m=r, cases=near, recurring=len(near) >= RECURRENCE_MIN)


def hotspots(session: Session, subject: Subject) -> list[Hotspot]:
    """Visible points with RECURRENCE_MIN or more visible cases within the radius in the window, most first."""
    points = list(session.scalars(points_repo.scoped_points(session, subject)))
    if not points:
        return []
    r = radius()
    lo_lng, lo_lat, hi_lng, hi_lat = (min(p.lng for p in points), min(p.lat for p in points),
                                      max(p.lng for p in points), max(p.lat for p in points))
    box = (*_box(lo_lng, lo_lat, r)[:2], *_box(hi_lng, hi_lat, r)[2:])
    cases = cases_repo.cases_in_box(session, subject, box, utcnow() - timedelta(days=WINDOW_DAYS), MAX_CASES)
    cells = _cells(cases, r)
    out = []
    for p in points:
        count = sum(1 for c in _around(cells, p, r) if distance_m(p, float(c.lng or 0), float(c.lat or 0)) <= r)
        if count >= RECURRENCE_MIN:
            out.append(Hotspot(point_id=p.code, name=p.name, grid_code=p.grid_code, cases=count))
    return sorted(out, key=lambda h: (-h.cases, h.point_id))


def _cell(lng: float, lat: float, metres: float) -> tuple[int, int]:
    size = metres / _M_PER_DEG_LAT  # cells one radius high; a point's cases lie in its 3 × 3 block (wider at lng)
    return int(lng // (size * 2)), int(lat // size)


def _cells(cases: list[Case], metres: float) -> dict[tuple[int, int], list[Case]]:
    cells: dict[tuple[int, int], list[Case]] = defaultdict(list)
    for case in cases:
        if case.lng is not None and case.lat is not None:
            cells[_cell(case.lng, case.lat, metres)].append(case)
    return cells


def _around(cells: dict[tuple[int, int], list[Case]], p: PatrolPoint, metres: float) -> list[Case]:
    cx, cy = _cell(p.lng, p.lat, metres)
    return [c for dx in (-1, 0, 1) for dy in (-1, 0, 1) for c in cells.get((cx + dx, cy + dy), [])]
