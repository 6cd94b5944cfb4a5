"""All SQL of the video channel."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from cityloop.channels.video.models import Alarm, Camera, Threshold


def camera(session: Session, camera_id: str) -> Camera | None:
    """A camera by its own id."""
    return session.scalar(select(Camera).where(Camera.camera_id == camera_id))


def threshold(session: Session, camera_pk: int, event_class: str) -> Threshold | None:
    """A camera's own threshold for a class."""
    return session.scalar(select(Threshold).where(Threshold.camera_id == camera_pk,
                                                  Threshold.event_class == event_class))


def open_alarm(session: Session, key: str) -> Alarm | None:
    """The open episode of a camera and class."""
    return session.scalar(select(Alarm).where(Alarm.open_key == key))


def alarm(session: Session, alarm_id: int) -> Alarm | None:
    """One episode."""
    return session.get(Alarm, alarm_id)
