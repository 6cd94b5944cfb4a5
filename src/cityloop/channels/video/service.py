"""Video alarms: check camera and class, compare with the threshold, one open case per camera and class."""

from __future__ import annotations

import mimetypes
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import yaml
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from cityloop.cases import repository as cases_repo
from cityloop.cases.intake import intake
from cityloop.cases.models import Case
from cityloop.cases.schemas import CaseIn
from cityloop.cases.states import OPEN_STATES
from cityloop.cases.taxonomy import active_version_id, category_exists
from cityloop.channels import storm
from cityloop.channels.video import repository as repo
from cityloop.channels.video.models import Alarm, Camera
from cityloop.channels.video.schemas import VideoAlarmIn, VideoAlarmOut
from cityloop.kit.auth import SYSTEM, Role, Subject
from cityloop.kit.clock import to_local, utcnow
from cityloop.kit.errors import Forbidden, ValidationFailed

CLASSES: dict[str, dict[str, Any]] = yaml.safe_load((Path(__file__).parent / "data" / "classes.yaml")
                                                    .read_text(encoding="utf-8"))
# How long an episode without its case yet counts as "being filed" (intake takes well under a second).
FILING_GRACE = timedelta(minutes=5)


def receive(session: Session, subject: Subject, data: VideoAlarmIn) -> VideoAlarmOut:
    """Apply one alarm: ignore it below the threshold, else open a case or join the open one."""
    camera = _camera(session, subject, data)
    threshold = threshold_of(session, camera, data.event_class)
    if data.confidence < threshold:
        return VideoAlarmOut(outcome="below_threshold", alarm_id=None, case_id=None, count=0, threshold=threshold)
    key = f"{camera.id}:{data.event_class}"
    alarm = repo.open_alarm(session, key)
    if alarm is not None and not _still_open(session, alarm):
        alarm.open_key, alarm.closed_at = None, utcnow()
        session.commit()
        alarm = None
    if alarm is None:
        alarm = _open(session, camera, key, data)
        if alarm is not None:
            return VideoAlarmOut(outcome="opened", alarm_id=alarm.id, case_id=alarm.case_id, count=alarm.count,
                                 threshold=threshold)
        alarm = repo.open_alarm(session, key)  # another request opened it a moment ago: join it
        if alarm is None:
            raise RuntimeError(f"video alarm {key} neither opened nor found")
    _append(session, alarm, data)
    return VideoAlarmOut(outcome="appended", alarm_id=alarm.id, case_id=alarm.case_id, count=alarm.count,
                         threshold=threshold)


def threshold_of(session: Session, camera: Camera, event_class: str) -> float:
    """The camera's own threshold for the class, else the class default."""
    row = repo.threshold(session, camera.id, event_class)
    return row.threshold if row is not None else float(CLASSES[event_class]["threshold"])


def _camera(session: Session, subject: Subject, data: VideoAlarmIn) -> Camera:
    if subject.kind != "api_key" and not subject.has(Role.ADMIN):
        raise Forbidden("视频告警须使用 API 密钥提交", "Video alarms are posted with an API key")
    problems: dict[str, tuple[str, str]] = {}
    if data.event_class not in CLASSES:
        problems["event_class"] = (f"未知事件类型 {data.event_class}；可用：{'、'.join(CLASSES)}",
                                   f"Unknown event class {data.event_class}; known: {', '.join(CLASSES)}")
    camera = repo.camera(session, data.camera_id)
    if camera is None:
        problems["camera_id"] = (f"摄像头 {data.camera_id} 未登记，请先导入（cityloop video cameras import）",
                                 f"Camera {data.camera_id} is not registered; import it first "
                                 "(cityloop video cameras import)")
    if problems or camera is None:
        raise ValidationFailed(problems)
    if subject.scope and not subject.has(Role.SYSTEM) and not (
            camera.division_code.startswith(subject.scope) or subject.scope.startswith(camera.division_code)):
        raise Forbidden("该摄像头不在此密钥的辖区内", "The camera lies outside this key's area")
    return camera


def _still_open(session: Session, alarm: Alarm) -> bool:
    if alarm.case_id is None:
        # Its case is being filed by a parallel request right now, unless that was long ago and it failed.
        return utcnow() - alarm.last_noted_at < FILING_GRACE
    case = cases_repo.get_case(session, SYSTEM, alarm.case_id)
    return case is not None and case.state in OPEN_STATES


def _open(session: Session, camera: Camera, key: str, data: VideoAlarmIn) -> Alarm | None:
    now = utcnow()
    alarm = Alarm(camera_id=camera.id, event_class=data.event_class, open_key=key, peak_confidence=data.confidence,
                  first_at=data.time, last_at=data.time, last_noted_at=now, last_snapshot_url=data.snapshot_url)
    session.add(alarm)
    try:
        session.commit()
    except IntegrityError:
        session.rollback()
        return None
    try:
        case, _created = intake(session, SYSTEM, _case_for(session, camera, data), f"video-alarm-{alarm.id}")
    except Exception:
        # No case, no episode: the next alarm must be free to try again.
        session.rollback()
        alarm.open_key, alarm.closed_at = None, utcnow()
        session.commit()
        raise
    alarm.case_id = case.id
    session.commit()
    return alarm


def _append(session: Session, alarm: Alarm, data: VideoAlarmIn) -> None:
    # Counted in SQL: alarms of one storm arrive in parallel requests, and a read-then-write would lose some.
    alarm.count = Alarm.count + 1
    alarm.last_at, alarm.last_snapshot_url = max(alarm.last_at, data.time), data.snapshot_url
    alarm.peak_confidence = max(alarm.peak_confidence, data.confidence)
    case = cases_repo.get_case(session, SYSTEM, alarm.case_id) if alarm.case_id else None
    storm.note_if_due(session, alarm, case, "video_alarm", {
        "count": alarm.count, "confidence": data.confidence, "snapshot_url": data.snapshot_url,
        "time": data.time.isoformat()})
    session.commit()
    session.refresh(alarm)


def _case_for(session: Session, camera: Camera, data: VideoAlarmIn) -> CaseIn:
    cls = CLASSES[data.event_class]
    version = active_version_id(session)
    category = cls.get("category") or None
    if category and (version is None or not category_exists(session, version, category, leaf_only=True)):
        category = None
    where = camera.name or camera.camera_id
    return CaseIn.model_validate({
        "channel": "video", "appeal_type": "event", "title": f"视频告警：{data.event_class}（{where}）"[:200],
        "content": f"摄像头 {camera.camera_id}（{where}）于 {_local(data.time)} 识别到“{data.event_class}”，"
                   f"置信度 {data.confidence:.2f}。抓拍：{data.snapshot_url}",
        "category_code": category, "tags": ["video", data.event_class],
        "attachments": [{"name": "snapshot" + _extension(data.snapshot_url), "content_type": _type(data.snapshot_url),
                         "size": 0, "url": data.snapshot_url}],
        "location": {"lng": camera.lng, "lat": camera.lat, "division_code": camera.division_code,
                     "grid_code": camera.grid_code}})


def _local(at: datetime) -> str:
    return f"{to_local(at):%Y-%m-%d %H:%M:%S}"


def _extension(url: str) -> str:
    suffix = Path(url.split("?", 1)[0]).suffix.lower()
    return suffix if suffix in {".jpg", ".jpeg", ".png", ".webp"} else ".jpg"


def _type(url: str) -> str:
    return mimetypes.guess_type("x" + _extension(url))[0] or "image/jpeg"


def case_of(session: Session, subject: Subject, alarm: Alarm) -> Case | None:
    """The alarm's case if the subject may see it."""
    return cases_repo.get_case(session, subject, alarm.case_id) if alarm.case_id else None
