"""False-alarm feedback: a dispatcher's verdict raises the camera's threshold and invalidates the case if it can."""

from __future__ import annotations

from sqlalchemy.orm import Session

from cityloop.cases import workflow
from cityloop.cases.events import append_system_event
from cityloop.cases.schemas import ActionIn
from cityloop.cases.states import TRANSITIONS, State
from cityloop.channels.video import repository as repo
from cityloop.channels.video.models import Threshold
from cityloop.channels.video.schemas import FalseAlarmOut
from cityloop.channels.video.service import CLASSES, case_of
from cityloop.config import get_settings
from cityloop.kit.auth import Role, Subject
from cityloop.kit.clock import utcnow
from cityloop.kit.errors import Conflict, Forbidden, NotFound

CEILING = 0.99


def false_alarm(session: Session, subject: Subject, alarm_id: int) -> FalseAlarmOut:
    """Mark an alarm episode false: raise the threshold of its camera and class, close it, invalidate its case."""
    if not subject.has(Role.DISPATCHER):
        raise Forbidden("只有派单员可以判定误报", "Only dispatchers judge false alarms")
    alarm = repo.alarm(session, alarm_id)
    case = case_of(session, subject, alarm) if alarm is not None else None
    if alarm is None or case is None:
        raise NotFound("告警不存在或不在您的辖区", "Alarm not found or outside your area")
    if alarm.false_alarm_at is not None:
        raise Conflict("该告警已判定为误报", "This alarm is already marked false")
    row = repo.threshold(session, alarm.camera_id, alarm.event_class)
    if row is None:
        row = Threshold(camera_id=alarm.camera_id, event_class=alarm.event_class,
                        threshold=float(CLASSES[alarm.event_class]["threshold"]))
        session.add(row)
    # Above the false alarm's own confidence, so the same scene at the same confidence no longer files a case.
    row.threshold = round(min(CEILING, max(row.threshold, alarm.peak_confidence) + get_settings()
                              .video_false_alarm_step), 4)
    row.false_alarms = (row.false_alarms or 0) + 1
    alarm.false_alarm_at, alarm.open_key, alarm.closed_at = utcnow(), None, utcnow()
    note = f"视频误报（{alarm.event_class}），阈值调至 {row.threshold:.2f}"
    invalidate = TRANSITIONS["invalidate"]
    if case.state in invalidate.sources and subject.has(*invalidate.roles):
        workflow.perform(session, subject, case.id, "invalidate", ActionIn(note=note))  # commits all of it
        return FalseAlarmOut(alarm_id=alarm.id, case_id=case.id, invalidated=True, threshold=row.threshold)
    append_system_event(session, case, "video_false_alarm", {"alarm_id": alarm.id, "threshold": row.threshold}, note)
    session.commit()
    return FalseAlarmOut(alarm_id=alarm.id, case_id=case.id, invalidated=case.state == State.INVALID,
                         threshold=row.threshold)
