"""Sensor import and the reading rules: store, compare with thresholds (hysteresis), one open alarm per sensor."""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import insert, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from cityloop.areas.elements.table_import import read_checked, rejected, row_error
from cityloop.areas.grids import index as grid_index
from cityloop.audit import service as audit
from cityloop.cases import repository as cases_repo
from cityloop.cases.events import append_system_event
from cityloop.cases.intake import intake
from cityloop.cases.schemas import CaseIn
from cityloop.cases.taxonomy import active_version_id, category_exists
from cityloop.channels.iot.models import Alarm, Reading, Sensor
from cityloop.config import get_settings
from cityloop.kit.auth import SYSTEM, Role, Subject
from cityloop.kit.clock import to_local, utcnow
from cityloop.kit.errors import Forbidden

COLUMNS = ("device_id", "kind", "metric", "unit", "threshold_high", "lng", "lat")
KINDS: dict[str, dict[str, str]] = {k: v for k, v in json.loads(
    (Path(__file__).parent / "data" / "kinds.json").read_text(encoding="utf-8")).items() if not k.startswith("_")}
# A storm appends at most one history event per open alarm in this interval (the count is kept on the alarm).
NOTE_EVERY = timedelta(minutes=1)


@dataclass
class SensorImport:
    """Outcome of a sensor import."""

    created: int = 0
    updated: int = 0
    errors: list[dict[str, Any]] = field(default_factory=list)


def import_sensors(session: Session, subject: Subject, data: bytes, filename: str, keep_good: bool = False
                   ) -> SensorImport:
    """Import devices (one row per device and metric); all or nothing unless `keep_good`."""
    if not subject.has(Role.ADMIN):
        raise Forbidden("只有管理员可以导入设备", "Only administrators may import devices")
    raw = read_checked(data, filename, COLUMNS)
    rows = [(line, *_parse(values)) for line, values in raw]
    report = SensorImport(errors=[row_error(line, p) for line, _r, p in rows if p])
    if report.errors and not keep_good:
        raise rejected(report.errors)
    for _line, row, problems in rows:
        if not problems:
            _upsert(session, row, report)
    audit.record(session, subject, "import_iot_devices", "iot_sensor", [], {"created": report.created,
                                                                           "updated": report.updated})
    session.commit()
    return report


def _parse(values: dict[str, str]) -> tuple[dict[str, Any], list[tuple[str, str, str]]]:
    problems: list[tuple[str, str, str]] = []
    row: dict[str, Any] = {k: values.get(k, "").strip() for k in ("device_id", "kind", "metric", "unit")}
    for name, limit in (("device_id", 64), ("kind", 40), ("metric", 40)):
        if not row[name] or len(row[name]) > limit:
            problems.append((name, f"必填，不超过 {limit} 个字符", f"required, at most {limit} characters"))
    for name, bound in (("threshold_high", None), ("threshold_low", None), ("lng", 180.0), ("lat", 90.0)):
        text = values.get(name, "").strip()
        value = _float(text)
        if (text or name != "threshold_low") and (value is None or (bound and abs(value) > bound)):
            problems.append((name, "应为数值" if bound is None else "应为 WGS84 坐标",
                             "must be a number" if bound is None else "must be a WGS84 coordinate"))
        row[name] = value
    row["hysteresis"] = _float(values.get("hysteresis", "")) or 0.0
    return row, problems


def _float(text: str) -> float | None:
    try:
        value = float(text)
    except ValueError:
        return None
    return value if math.isfinite(value) else None


def _upsert(session: Session, row: dict[str, Any], report: SensorImport) -> None:
    sensor = session.scalar(select(Sensor).where(Sensor.device_id == row["device_id"], Sensor.metric == row["metric"]))
    if sensor is None:
        sensor = Sensor(device_id=row["device_id"], metric=row["metric"])
        report.created += 1
    else:
        report.updated += 1
    for key in ("kind", "unit", "threshold_high", "threshold_low", "hysteresis", "lng", "lat"):
        setattr(sensor, key, row[key])
    with session.no_autoflush:
        found = grid_index.lookup(session, row["lng"], row["lat"])
    sensor.grid_code, sensor.division_code = found if found else (None, get_settings().city_code)
    session.add(sensor)


def breached(sensor: Sensor, value: float) -> bool:
    """Beyond a threshold."""
    high, low = sensor.threshold_high, sensor.threshold_low
    return (high is not None and value > high) or (low is not None and value < low)


def recovered(sensor: Sensor, value: float) -> bool:
    """Back inside the thresholds by the hysteresis margin (so a value hovering at the limit does not flap)."""
    high, low, margin = sensor.threshold_high, sensor.threshold_low, sensor.hysteresis
    return (high is None or value <= high - margin) and (low is None or value >= low + margin)


def ingest(session: Session, sensor: Sensor, value: float, ts: datetime) -> list[int]:
    """Store one reading and apply the alarm rules (see `ingest_batch`)."""
    return ingest_batch(session, [(sensor, value, ts)])


def ingest_batch(session: Session, items: list[tuple[Sensor, float, datetime]]) -> list[int]:
    """Store readings in one insert, then apply the alarm rules in order; ids of the cases opened."""
    if not items:
        return []
    session.execute(insert(Reading), [{"sensor_id": s.id, "value": v, "ts": ts} for s, v, ts in items])
    ids = sorted({s.id for s, _v, _ts in items})
    open_ = {a.open_key: a for a in session.scalars(select(Alarm).where(Alarm.open_key.in_(ids)))}
    opened: list[int] = []
    now = utcnow()
    for sensor, value, ts in items:
        sensor.last_value, sensor.last_seen_at = value, now
        alarm = open_.get(sensor.id)
        if alarm is not None:
            _continue(session, sensor, alarm, value, ts)
            if alarm.open_key is None:
                open_.pop(sensor.id)
        elif breached(sensor, value):
            session.commit()  # the batch so far is kept whatever happens to the alarm below
            alarm = _open(session, sensor, value, ts)
            if alarm is not None:
                open_[sensor.id] = alarm
                opened.append(int(alarm.case_id or 0))
    session.commit()
    return opened


def _continue(session: Session, sensor: Sensor, alarm: Alarm, value: float, ts: datetime) -> None:
    case = cases_repo.get_case(session, SYSTEM, alarm.case_id) if alarm.case_id else None
    if recovered(sensor, value):
        alarm.open_key, alarm.recovered_at = None, ts
        if case is not None:
            append_system_event(session, case, "iot_recovered", {"value": value, "breaches": alarm.breaches},
                                f"{sensor.metric} 恢复至 {value:g}{sensor.unit}")
    elif breached(sensor, value):
        alarm.breaches += 1
        alarm.last_breach_at, alarm.peak = ts, max(alarm.peak, value)
        if case is not None and utcnow() - alarm.last_noted_at >= NOTE_EVERY:
            alarm.last_noted_at = utcnow()
            append_system_event(session, case, "iot_breach", {"value": value, "breaches": alarm.breaches,
                                                              "peak": alarm.peak})


def _open(session: Session, sensor: Sensor, value: float, ts: datetime) -> Alarm | None:
    alarm = Alarm(sensor_id=sensor.id, open_key=sensor.id, peak=value, opened_at=ts, last_breach_at=ts)
    session.add(alarm)
    try:
        session.commit()
    except IntegrityError:
        # Another ingest worker opened this sensor's alarm a moment ago: this reading joins it next time.
        session.rollback()
        return None
    case, _created = intake(session, SYSTEM, _case_for(session, sensor, value, ts), f"iot-alarm-{alarm.id}")
    alarm.case_id = case.id
    session.commit()
    return alarm


def _case_for(session: Session, sensor: Sensor, value: float, ts: datetime) -> CaseIn:
    kind = KINDS.get(sensor.kind, {"zh": sensor.kind, "en": sensor.kind, "category": ""})
    limit = sensor.threshold_high if sensor.threshold_high is not None and value > sensor.threshold_high \
        else sensor.threshold_low
    version = active_version_id(session)
    category = kind.get("category") or None
    if category and (version is None or not category_exists(session, version, category, leaf_only=True)):
        category = None
    return CaseIn.model_validate({
        "channel": "iot", "appeal_type": "event", "title": f"设备告警：{kind['zh']}超限（{sensor.device_id}）"[:200],
        "content": f"设备 {sensor.device_id} 的 {sensor.metric} 于 {to_local(ts):%Y-%m-%d %H:%M:%S} 读数 {value:g}"
                   f"{sensor.unit}，超过阈值 {limit:g}{sensor.unit}。",
        "category_code": category, "tags": ["iot", sensor.kind],
        "location": {"lng": sensor.lng, "lat": sensor.lat, "division_code": sensor.division_code,
                     "grid_code": sensor.grid_code}})
