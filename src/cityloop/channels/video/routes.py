"""Video alarm API: alarms from the analytics platform (API key), false-alarm verdicts (dispatchers)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path

from cityloop.accounts.deps import CurrentSubject
from cityloop.channels.video import feedback, service
from cityloop.channels.video.schemas import FalseAlarmOut, VideoAlarmIn, VideoAlarmOut
from cityloop.kit.db import MAX_ID
from cityloop.kit.deps import DbSession
from cityloop.kit.errors import Conflict, Forbidden, InvalidTransition, NotFound, ValidationFailed, error_responses

router = APIRouter(prefix="/api/v1/alarms/video", tags=["video"])


@router.post("", response_model=VideoAlarmOut, responses=error_responses(Forbidden, ValidationFailed))
def post_alarm(body: VideoAlarmIn, session: DbSession, subject: CurrentSubject) -> VideoAlarmOut:
    """One detection (X-API-Key): a case when confident enough, joined to the open case of its camera and class."""
    return service.receive(session, subject, body)


@router.post("/{alarm_id}/false", response_model=FalseAlarmOut,
             responses=error_responses(Forbidden, NotFound, Conflict, InvalidTransition))
def false_alarm(alarm_id: Annotated[int, Path(ge=1, le=MAX_ID)], session: DbSession,
                subject: CurrentSubject) -> FalseAlarmOut:
    """A dispatcher's verdict: raise the camera's threshold for the class and invalidate the case if possible."""
    return feedback.false_alarm(session, subject, alarm_id)
