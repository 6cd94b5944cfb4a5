"""Patrol points and who patrols them."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from cityloop.kit.clock import utcnow
from cityloop.kit.db import Base, TimestampMixin


class PatrolPoint(TimestampMixin, Base):
    """A place with a tag, patrolled every `cycle_days`; placed in a grid and division from its point."""

    __tablename__ = "patrol_points"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    name: Mapped[str] = mapped_column(String(120))
    lng: Mapped[float] = mapped_column()
    lat: Mapped[float] = mapped_column()
    division_code: Mapped[str] = mapped_column(String(12), index=True)
    grid_code: Mapped[str | None] = mapped_column(String(16), index=True)
    element_code: Mapped[str | None] = mapped_column(String(40))
    cycle_days: Mapped[int] = mapped_column(default=1)
    is_active: Mapped[bool] = mapped_column(default=True)


class PointWorker(Base):
    """A grid worker responsible for a point."""

    __tablename__ = "patrol_point_workers"
    __table_args__ = (UniqueConstraint("point_id", "user_id", name="uq_patrol_point_workers_point_id_user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    point_id: Mapped[int] = mapped_column(ForeignKey("patrol_points.id"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    assigned_at: Mapped[datetime] = mapped_column(default=utcnow)
