"""Check-ins: one row per patrol visit, never updated."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from cityloop.kit.clock import utcnow
from cityloop.kit.db import Base


class CheckIn(Base):
    """A grid worker at a point: when, where (and how precisely), how, and what was found."""

    __tablename__ = "patrol_checkins"
    __table_args__ = (
        UniqueConstraint("user_id", "idempotency_key", name="uq_patrol_checkins_user_id_idempotency_key"),
        Index("ix_patrol_checkins_point_id_at", "point_id", "at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    point_id: Mapped[int] = mapped_column(ForeignKey("patrol_points.id"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    at: Mapped[datetime] = mapped_column()
    lng: Mapped[float] = mapped_column()
    lat: Mapped[float] = mapped_column()
    accuracy_m: Mapped[float | None] = mapped_column()
    distance_m: Mapped[float] = mapped_column()
    method: Mapped[str] = mapped_column(String(10), default="gps")  # gps | qr | nfc
    result: Mapped[str] = mapped_column(String(10))  # ok | problem
    note: Mapped[str] = mapped_column(Text, default="")
    case_id: Mapped[int | None] = mapped_column(index=True)
    idempotency_key: Mapped[str | None] = mapped_column(String(100))
    received_at: Mapped[datetime] = mapped_column(default=utcnow)
