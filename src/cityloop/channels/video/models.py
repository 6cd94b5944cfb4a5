"""Cameras, per-camera thresholds raised by false alarms, and alarm episodes (one open per camera and class)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from cityloop.kit.clock import utcnow
from cityloop.kit.db import Base, TimestampMixin


class Camera(TimestampMixin, Base):
    """A registered camera with its place."""

    __tablename__ = "video_cameras"

    id: Mapped[int] = mapped_column(primary_key=True)
    camera_id: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(120), default="")
    lng: Mapped[float] = mapped_column()
    lat: Mapped[float] = mapped_column()
    division_code: Mapped[str] = mapped_column(String(12), index=True)
    grid_code: Mapped[str | None] = mapped_column(String(16))


class Threshold(TimestampMixin, Base):
    """The confidence a camera's alarms of one class need, once false alarms raised it above the class default."""

    __tablename__ = "video_thresholds"
    __table_args__ = (UniqueConstraint("camera_id", "event_class", name="uq_video_thresholds_camera_id_event_class"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    camera_id: Mapped[int] = mapped_column(ForeignKey("video_cameras.id"))
    event_class: Mapped[str] = mapped_column(String(40))
    threshold: Mapped[float] = mapped_column()
    false_alarms: Mapped[int] = mapped_column(default=0)


class Alarm(Base):
    """An episode of one camera and class and its case; `open_key` ("camera id:class") is set only while open."""

    __tablename__ = "video_alarms"

    id: Mapped[int] = mapped_column(primary_key=True)
    camera_id: Mapped[int] = mapped_column(ForeignKey("video_cameras.id"), index=True)
    event_class: Mapped[str] = mapped_column(String(40))
    open_key: Mapped[str | None] = mapped_column(String(120), unique=True)
    case_id: Mapped[int | None] = mapped_column(index=True)
    count: Mapped[int] = mapped_column(default=1)
    peak_confidence: Mapped[float] = mapped_column()
    first_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_noted_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_snapshot_url: Mapped[str] = mapped_column(String(500), default="")
    false_alarm_at: Mapped[datetime | None] = mapped_column()
    closed_at: Mapped[datetime | None] = mapped_column()
