"""Grid tasks and the points they cover."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from cityloop.kit.clock import utcnow
from cityloop.kit.db import Base


class GridTask(Base):
    """A task (核查 / 排查 / 宣传) over points with a due time; done when every point was patrolled after it began."""

    __tablename__ = "grid_tasks"

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(120))
    kind: Mapped[str] = mapped_column(String(20))
    description: Mapped[str] = mapped_column(Text, default="")
    division_code: Mapped[str] = mapped_column(String(12), index=True)
    created_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    due_at: Mapped[datetime] = mapped_column()


class TaskPoint(Base):
    """A point a task covers."""

    __tablename__ = "grid_task_points"
    __table_args__ = (UniqueConstraint("task_id", "point_id", name="uq_grid_task_points_task_id_point_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    task_id: Mapped[int] = mapped_column(ForeignKey("grid_tasks.id"), index=True)
    point_id: Mapped[int] = mapped_column(ForeignKey("patrol_points.id"), index=True)
