"""Sensor import and the reading rules: store, compare with thresholds (hysteresis), one open alarm per sensor."""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, cast

from sqlalchemy import Table, bindparam, delete, insert, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import set_committed_value

from cityloop.areas.elements.table_import import read_checked, rejected, row_error
from cityloop.areas.grids import index as grid_index
from cityloop.audit import service as audit
from cityloop.cases import repository as cases_repo
from cityloop.cases.events import append_system_event
from cityloop.cases.intake import intake
from cityloop.cases.schemas import CaseIn
from cityloop.cases.taxonomy import active_version_id, category_exists
from cityloop.channels import storm
from cityloop.channels.iot.models import Alarm, HourlyReading, Reading, Sensor
from cityloop.config import get_settings
from cityloop.kit.auth import SYSTEM, Role, Subject
from cityloop.kit.clock import to_local, utcnow
from cityloop.kit.errors import Forbidden

COLUMNS = ("device_id", "kind", "metric", "unit", "threshold_high", "lng", "lat")
KINDS: dict[str, dict[str, str]] = {k: v for k, v in json.loads(
    (Path(__file__).parent / "data" / "kinds.json").read_text(encoding="utf-8")).items() if not k.startswith("_")}


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
    minutes = values.get("offline_minutes", "").strip()
    row["offline_minutes"] = int(minutes) if minutes.isdigit() and int(minutes) > 0 else None
    if minutes and row["offline_minutes"] is None:
        problems.append(("offline_minutes", "应为正整数（分钟）", "must be a whole number of minutes"))
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
    for key in ("kind", "unit", "threshold_high", "threshold_low", "hysteresis", "offline_minutes", "lng", "lat"):
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
    _last_seen(session, items)
    ids = sorted({s.id for s, _v, _ts in items})
    first_seen = {s.device_id: ts for s, _v, ts in reversed(items)}
    # One query for the batch: the sensors' open threshold alarms and the devices' open offline alarms.
    alarms = session.scalars(select(Alarm).where(or_(Alarm.open_key.in_(ids),
                                                     Alarm.offline_key.in_(sorted(first_seen))))).all()
    _back_online(session, [a for a in alarms if a.offline_key is not None], first_seen)
    open_ = {a.open_key: a for a in alarms if a.open_key is not None}
    opened: list[int] = []
    for sensor, value, ts in items:
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
        storm.note_if_due(session, alarm, case, "iot_breach", {"value": value, "breaches": alarm.breaches,
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


_SENSORS = cast(Table, Sensor.__table__)
_SEEN = update(_SENSORS).where(_SENSORS.c.id == bindparam("b_id")).values(
    last_value=bindparam("b_value"), last_seen_at=bindparam("b_seen"))


def _last_seen(session: Session, items: list[tuple[Sensor, float, datetime]]) -> None:
    """Each sensor's last value and time in one statement per batch (not an ORM flush per sensor).

    The objects get the values as committed state: callers may hand in sensors cached outside this session.
    """
    now = utcnow()
    latest = {s.id: (s, v) for s, v, _ts in items}
    session.execute(_SEEN, [{"b_id": i, "b_value": v, "b_seen": now} for i, (_s, v) in latest.items()])
    for sensor, value in latest.values():
        set_committed_value(sensor, "last_value", value)
        set_committed_value(sensor, "last_seen_at", now)


def _back_online(session: Session, alarms: list[Alarm], first_seen: dict[str, datetime]) -> None:
    """Recover the open offline alarms of devices that just sent a reading (at the time of their first one)."""
    for alarm in alarms:
        ts = first_seen[str(alarm.offline_key)]
        alarm.offline_key, alarm.recovered_at = None, ts
        case = cases_repo.get_case(session, SYSTEM, alarm.case_id) if alarm.case_id else None
        if case is not None:
            silent = round((ts - alarm.last_breach_at).total_seconds() / 60)
            append_system_event(session, case, "iot_online", {"silent_minutes": silent},
                                f"设备重新上线（离线约 {silent} 分钟）")


def offline_limit(sensor_minutes: int | None) -> timedelta:
    """How long a sensor may stay silent (its own minutes, else the setting)."""
    return timedelta(minutes=sensor_minutes or get_settings().iot_offline_minutes)


def check_offline(session: Session, now: datetime | None = None, listening_since: datetime | None = None
                  ) -> list[int]:
    """Open an offline alarm and case for each device silent longer than its limit; ids of the cases opened.

    A device is silent since the newest reading of any of its metrics (since its import when it never reported),
    and at most since `listening_since` (when the calling worker started: readings sent while no worker ran were
    never seen, so an outage of the ingest itself does not make every device offline). Its limit is the shortest
    of its sensors'. One open offline alarm per device (the unique `offline_key`).
    """
    now = now or utcnow()
    devices: dict[str, tuple[Sensor, datetime, timedelta]] = {}
    for sensor in session.scalars(select(Sensor).order_by(Sensor.id)):
        seen = sensor.last_seen_at or sensor.created_at
        if listening_since is not None:
            seen = max(seen, listening_since)
        limit = offline_limit(sensor.offline_minutes)
        first = devices.get(sensor.device_id)
        devices[sensor.device_id] = (sensor, seen, limit) if first is None else \
            (first[0], max(first[1], seen), min(first[2], limit))
    open_ = set(session.scalars(select(Alarm.offline_key).where(Alarm.offline_key.is_not(None))))
    opened: list[int] = []
    for device_id, (sensor, seen, limit) in sorted(devices.items()):
        if device_id in open_ or now - seen < limit:
            continue
        alarm = Alarm(sensor_id=sensor.id, kind="offline", offline_key=device_id, peak=sensor.last_value or 0.0,
                      opened_at=now, last_breach_at=seen)
        session.add(alarm)
        try:
            session.commit()
        except IntegrityError:  # another worker's check got there first
            session.rollback()
            continue
        kind = KINDS.get(sensor.kind, {"zh": sensor.kind, "en": sensor.kind, "category": ""})
        data = CaseIn.model_validate({
            "channel": "iot", "appeal_type": "event", "title": f"设备离线：{kind['zh']}（{device_id}）"[:200],
            "content": f"设备 {device_id} 自 {to_local(seen):%Y-%m-%d %H:%M:%S} 起超过 "
                       f"{int(limit.total_seconds() // 60)} 分钟没有读数。",
            "tags": ["iot", "offline", sensor.kind],
            "location": {"lng": sensor.lng, "lat": sensor.lat, "division_code": sensor.division_code,
                         "grid_code": sensor.grid_code}})
        case, _created = intake(session, SYSTEM, data, f"iot-alarm-{alarm.id}")
        alarm.case_id = case.id
        session.commit()
        opened.append(case.id)
    return opened


@dataclass
class Compaction:
    """Outcome of a compaction."""

    readings: int = 0
    hours: int = 0


def _hour(ts: datetime) -> datetime:
    return ts.replace(minute=0, second=0, microsecond=0)


def compact(session: Session, now: datetime | None = None, days: int | None = None) -> Compaction:
    """Roll raw readings older than the retention period (whole hours) into hourly rows and delete them.

    Works a day at a time, each in its own transaction; the rows rolled up are exactly those deleted (DELETE …
    RETURNING), and an hour already rolled up (a late reading) is merged into its row.
    """
    keep = timedelta(days=days or get_settings().iot_raw_retention_days)
    cutoff = _hour((now or utcnow()) - keep)
    done = Compaction()
    while True:
        first = session.scalar(select(Reading.ts).where(Reading.ts < cutoff).order_by(Reading.ts).limit(1))
        if first is None:
            return done
        start = _hour(first)
        end = min(start + timedelta(days=1), cutoff)
        gone = session.execute(delete(Reading).where(Reading.ts >= start, Reading.ts < end)
                               .returning(Reading.sensor_id, Reading.ts, Reading.value)).all()
        groups: dict[tuple[int, datetime], list[float]] = {}
        for sensor_id, ts, value in gone:
            groups.setdefault((int(sensor_id), _hour(ts)), []).append(float(value))
        have = {(h.sensor_id, h.hour): h for h in session.scalars(
            select(HourlyReading).where(HourlyReading.hour >= start, HourlyReading.hour < end))}
        for key, values in groups.items():
            row = have.get(key)
            total = sum(values)
            if row is None:
                session.add(HourlyReading(sensor_id=key[0], hour=key[1], count=len(values), min=min(values),
                                          max=max(values), avg=total / len(values)))
            else:
                count = row.count + len(values)
                row.avg = (row.avg * row.count + total) / count
                row.count, row.min, row.max = count, min(row.min, *values), max(row.max, *values)
        session.commit()
        done.readings += len(gone)
        done.hours += len(groups)
