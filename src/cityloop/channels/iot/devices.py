"""Devices as staff see them: status (ok / breach / offline), last values, readings and alarm history, in their area."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Select, false, select
from sqlalchemy.orm import Session

from cityloop.channels.iot.models import Alarm, Reading, Sensor
from cityloop.kit.auth import Role, Subject
from cityloop.kit.clock import utcnow
from cityloop.kit.errors import NotFound

MAX_POINTS = 2000


@dataclass
class DeviceRow:
    """One device (its metrics share the id, place and status)."""

    device_id: str
    kind: str
    grid_code: str | None
    division_code: str
    status: str = "ok"
    last_seen_at: datetime | None = None
    metrics: list[Sensor] = field(default_factory=list)


@dataclass
class DeviceDetail:
    """A device with each metric's readings in the window and the device's alarms, newest first."""

    device: DeviceRow
    hours: int
    series: list[dict[str, Any]]
    alarms: list[tuple[Alarm, Sensor]]


def scoped(stmt: Select[Any], subject: Subject) -> Select[Any]:
    """Sensors in the subject's area (the same rule as `areas.elements.repository.scope_elements`)."""
    if Role.SYSTEM in subject.roles:
        return stmt
    if not subject.is_staff or not subject.scope:
        return stmt.where(false())
    return stmt.where(Sensor.division_code.startswith(subject.scope, autoescape=True))


def _rows(session: Session, sensors: list[Sensor]) -> list[DeviceRow]:
    ids = [s.id for s in sensors]
    open_ = session.execute(select(Alarm.sensor_id, Alarm.kind).where(
        Alarm.sensor_id.in_(ids), (Alarm.open_key.is_not(None)) | (Alarm.offline_key.is_not(None)))).all()
    offline = {sid for sid, kind in open_ if kind == "offline"}
    breach = {sid for sid, kind in open_ if kind != "offline"}
    devices: dict[str, DeviceRow] = {}
    for s in sensors:
        row = devices.setdefault(s.device_id, DeviceRow(s.device_id, s.kind, s.grid_code, s.division_code))
        row.metrics.append(s)
        if s.last_seen_at and (row.last_seen_at is None or s.last_seen_at > row.last_seen_at):
            row.last_seen_at = s.last_seen_at
        if s.id in offline:
            row.status = "offline"
        elif s.id in breach and row.status == "ok":
            row.status = "breach"
    return list(devices.values())


def list_devices(session: Session, subject: Subject, status: str = "") -> list[DeviceRow]:
    """The devices in the caller's area, by id; `status` keeps only ok / breach / offline ones."""
    sensors = list(session.scalars(scoped(select(Sensor), subject).order_by(Sensor.device_id, Sensor.metric)))
    rows = _rows(session, sensors)
    return [r for r in rows if not status or r.status == status]


def device_detail(session: Session, subject: Subject, device_id: str, hours: int = 24) -> DeviceDetail:
    """One device in the caller's area: readings of the last `hours` per metric, thresholds, alarms."""
    sensors = list(session.scalars(scoped(select(Sensor), subject).where(Sensor.device_id == device_id)
                                   .order_by(Sensor.metric)))
    if not sensors:
        raise NotFound("设备不存在或不在您的辖区", "No such device in your area")
    [device] = _rows(session, sensors)
    since = utcnow() - timedelta(hours=hours)
    series = []
    for s in sensors:
        points = session.execute(select(Reading.ts, Reading.value).where(Reading.sensor_id == s.id, Reading.ts >= since)
                                 .order_by(Reading.ts.desc()).limit(MAX_POINTS)).all()
        series.append({"metric": s.metric, "unit": s.unit, "high": s.threshold_high, "low": s.threshold_low,
                       "points": [(ts, v) for ts, v in reversed(points)]})
    by_id = {s.id: s for s in sensors}
    alarms = [(a, by_id[a.sensor_id]) for a in session.scalars(
        select(Alarm).where(Alarm.sensor_id.in_(by_id)).order_by(Alarm.opened_at.desc(), Alarm.id.desc()).limit(100))]
    return DeviceDetail(device, hours, series, alarms)
