"""Check-in rules: the worker's own point, close enough, not in the future, one row per idempotency key."""

from __future__ import annotations

import math
from datetime import timedelta

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from cityloop.audit import service as audit
from cityloop.cases.intake import intake
from cityloop.cases.schemas import CaseIn
from cityloop.config import get_settings
from cityloop.gridwork.checkins import repository as repo
from cityloop.gridwork.checkins import tags
from cityloop.gridwork.checkins.models import CheckIn
from cityloop.gridwork.checkins.schemas import CheckInIn
from cityloop.gridwork.points import repository as points_repo
from cityloop.gridwork.points.models import PatrolPoint
from cityloop.kit.auth import Role, Subject
from cityloop.kit.clock import utcnow
from cityloop.kit.errors import Forbidden, NotFound, ValidationFailed

# Phones' clocks drift; a check-in a little ahead of the server is still now.
CLOCK_SLACK = timedelta(minutes=2)
EARTH_RADIUS_M = 6_371_008.8


def check_in(session: Session, subject: Subject, body: CheckInIn, key: str | None) -> tuple[CheckIn, bool]:
    """Store a check-in (and the case of a problem found); (the row, whether it is new)."""
    if not subject.has(Role.GRID_WORKER) or subject.kind != "user" or not subject.id:
        raise Forbidden("只有网格员可以巡查打卡", "Only grid workers check in at patrol points")
    if key:
        done = repo.by_key(session, subject.id, key)
        if done is not None:
            return done, False
    point = points_repo.visible_point(session, subject, body.point_id)
    if point is None:
        raise NotFound("点位不存在或不在您的网格", "No such patrol point in your grids")
    method = _check(point, body)
    row = CheckIn(point_id=point.id, user_id=subject.id, at=body.at, lng=body.lng, lat=body.lat,
                  accuracy_m=body.accuracy, distance_m=round(distance_m(point, body.lng, body.lat), 1),
                  method=method, result=body.result, note=body.note.strip(), idempotency_key=key)
    if body.result == "problem":
        row.case_id = _report(session, subject, point, body, key)
    session.add(row)
    audit.record(session, subject, "patrol_check_in", "patrol_point", [point.id], {"result": body.result})
    try:
        session.commit()
    except IntegrityError:
        # The same key raced in from a second request: the first one's row is the answer.
        session.rollback()
        done = repo.by_key(session, subject.id, key or "")
        if done is None:
            raise
        return done, False
    return row, True


def _check(point: PatrolPoint, body: CheckInIn) -> str:
    now = utcnow()
    if body.at > now + CLOCK_SLACK:
        raise ValidationFailed({"at": ("打卡时间不能晚于现在", "The check-in time is in the future")})
    if body.at < now - timedelta(days=get_settings().checkin_max_age_days):
        raise ValidationFailed({"at": ("打卡时间太早，离线记录已过期", "The check-in is too old to be accepted")})
    method = body.method or "gps"
    if body.token:
        if tags.point_of(body.token) != point.code:
            raise ValidationFailed({"token": ("标签与点位不符", "This tag belongs to another point")})
        method = body.method or "qr"
    radius = get_settings().checkin_radius_m
    away = distance_m(point, body.lng, body.lat)
    if away > radius:
        raise ValidationFailed({"lng": (f"距点位 {away:.0f} 米，超出 {radius:.0f} 米打卡范围",
                                        f"{away:.0f} m from the point, beyond the {radius:.0f} m radius")})
    return method


def _report(session: Session, subject: Subject, point: PatrolPoint, body: CheckInIn, key: str | None) -> int:
    text = body.note.strip() or f"巡查点位“{point.name}”发现问题"
    data = CaseIn.model_validate({
        "channel": "grid", "appeal_type": "event", "title": f"巡查发现问题：{point.name}"[:200],
        "content": text if len(text) >= 2 else f"{text}（{point.name}）",
        "location": {"lng": point.lng, "lat": point.lat, "division_code": point.division_code,
                     "grid_code": point.grid_code, "address": point.name},
        "tags": ["patrol", point.code]})
    case, _created = intake(session, subject, data, f"checkin:{key}" if key else None)
    return case.id


def distance_m(point: PatrolPoint, lng: float, lat: float) -> float:
    """Great-circle distance in metres (haversine; ample at check-in radii)."""
    p1, p2 = math.radians(point.lat), math.radians(lat)
    dp, dl = p2 - p1, math.radians(lng - point.lng)
    h = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_M * math.asin(min(1.0, math.sqrt(h)))
