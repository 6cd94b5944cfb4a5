"""Patrol pages: the grid worker's points for today with GPS/QR check-in (queued offline), the street's coverage,
and printable QR tags."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Annotated

import segno
from fastapi import APIRouter, Depends, Request, Response
from fastapi.responses import RedirectResponse

from cityloop.config import get_settings
from cityloop.gridwork.checkins import service as checkins
from cityloop.gridwork.checkins import tags
from cityloop.gridwork.checkins.schemas import CheckInIn
from cityloop.gridwork.coverage import service as coverage_service
from cityloop.gridwork.links import service as links
from cityloop.gridwork.points import repository as points_repo
from cityloop.gridwork.tasks import service as tasks
from cityloop.kit.auth import Role, Subject
from cityloop.kit.clock import to_local, utcnow
from cityloop.kit.deps import DbSession, Lang
from cityloop.kit.errors import ValidationFailed
from cityloop.web import forms
from cityloop.web.pages import PageRoute, field_errors, render
from cityloop.web.security import require

router = APIRouter(route_class=PageRoute, include_in_schema=False)
GridWorker = Annotated[Subject, Depends(require(Role.GRID_WORKER))]
Overseer = Annotated[Subject, Depends(require(Role.SUPERVISOR, Role.DISPATCHER, Role.LEADER))]


@router.get("/grid/patrol")
def patrol(request: Request, session: DbSession, subject: GridWorker, lang: Lang, tag: str = "",
           done: str = "") -> Response:
    """Today's points, the due ones first; a scanned tag (`?tag=`) opens its point ready to check in."""
    today = to_local(utcnow()).date()
    day = coverage_service.coverage(session, subject, today)
    items = sorted(day.items, key=lambda i: (i.checked, not i.due, i.point_id))
    tagged, tag_error = "", ""
    if tag:
        try:
            tagged = tags.point_of(tag[:300])
        except ValidationFailed as exc:
            tag_error = field_errors(exc, lang)["token"]
    points = {p.code: p for p in session.scalars(points_repo.scoped_points(session, subject))}
    ctx = {"day": day, "items": items, "points": points, "tag": tag[:300] if tagged else "", "tagged": tagged,
           "tag_error": tag_error, "done": done, "radius": get_settings().checkin_radius_m,
           "tasks": [t for t in tasks.list_tasks(session, subject, lang) if t.done < t.total]}
    return render(request, "grid/patrol.html", ctx, subject)


@router.post("/grid/patrol/checkin")
def check_in(request: Request, session: DbSession, subject: GridWorker, form: forms.Form, lang: Lang) -> Response:
    """A check-in from the phone page (also replayed later from the offline queue with its original time)."""
    values = forms.fields(form)
    try:
        body = CheckInIn.model_validate({
            "point_id": values.get("point_id", ""), "lng": values.get("lng") or "nan",
            "lat": values.get("lat") or "nan", "at": values.get("at") or utcnow().isoformat(),
            "result": values.get("result") or "ok", "note": values.get("note", ""),
            "accuracy": values.get("accuracy") or None, "token": values.get("token") or None})
    except ValueError:
        raise ValidationFailed({"lng": ("未获取到位置，请允许定位后重试", "No location: allow location and retry")}) \
            from None
    _row, _created = checkins.check_in(session, subject, body, (values.get("key") or "")[:100] or None)
    return RedirectResponse(f"/grid/patrol?done={body.point_id}", status_code=303)


@router.get("/grid/coverage")
def coverage(request: Request, session: DbSession, subject: Overseer, lang: Lang, day: str = "") -> Response:
    """A day's patrol coverage in the caller's area (yesterday by default): missed points first."""
    when = _day(day) or to_local(utcnow()).date() - timedelta(days=1)
    data = coverage_service.coverage(session, subject, when)
    items = sorted(data.items, key=lambda i: (not (i.due and not i.checked), i.grid_code or "", i.point_id))
    spots = links.hotspots(session, subject)
    return render(request, "grid/coverage.html", {"data": data, "items": items, "when": when, "spots": spots},
                  subject)


@router.get("/grid/points/tags")
def tag_sheet(request: Request, session: DbSession, subject: Overseer, lang: Lang) -> Response:
    """A printable sheet of QR tags (one per visible point); each encodes a signed link, never a bare id."""
    base = get_settings().public_base_url.rstrip("/")
    points = list(session.scalars(points_repo.scoped_points(session, subject).order_by("code")))[:500]
    sheet = [(p, segno.make(f"{base}/grid/patrol?tag={tags.token_for(p.code)}", error="m").svg_inline(scale=3))
             for p in points]
    return render(request, "grid/tags.html", {"sheet": sheet}, subject)


def _day(text: str) -> date | None:
    try:
        return datetime.strptime(text[:10], "%Y-%m-%d").date()
    except ValueError:
        return None
