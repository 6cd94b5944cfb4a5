"""/iot/devices: the devices in the caller's area with their status; one device's readings chart and alarms."""

from __future__ import annotations

import json
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request, Response

from cityloop.channels.iot import devices as iot_devices
from cityloop.kit.auth import Role, Subject
from cityloop.kit.deps import DbSession
from cityloop.web.pages import PageRoute, render
from cityloop.web.security import require

router = APIRouter(route_class=PageRoute, include_in_schema=False)
STAFF = (Role.AGENT, Role.DISPATCHER, Role.HANDLER, Role.GRID_WORKER, Role.SUPERVISOR, Role.LEADER)
Staff = Annotated[Subject, Depends(require(*STAFF))]
STATUSES = ("ok", "breach", "offline")


@router.get("/iot/devices")
def devices_page(request: Request, session: DbSession, subject: Staff, status: str = "") -> Response:
    """The devices in the caller's area: status, last values, grid."""
    status = status if status in STATUSES else ""
    rows = iot_devices.list_devices(session, subject)
    counts = {s: sum(r.status == s for r in rows) for s in STATUSES}
    shown = [r for r in rows if not status or r.status == status]
    return render(request, "iot/devices.html", {"rows": shown, "counts": counts, "status": status}, subject)


@router.get("/iot/devices/{device_id}")
def device_page(request: Request, session: DbSession, subject: Staff, device_id: str,
                hours: Annotated[int, Query(ge=1, le=24 * 31)] = 24) -> Response:
    """One device: each metric's readings as a chart with its threshold lines, and the alarm history."""
    detail = iot_devices.device_detail(session, subject, device_id, hours)
    chart: list[dict[str, Any]] = [{**s, "points": [[ts.isoformat(), v] for ts, v in s["points"]]}
                                   for s in detail.series]
    return render(request, "iot/device.html", {"d": detail, "chart_json": json.dumps(chart, ensure_ascii=False)},
                  subject)

