"""Visit records: one row per visit, never updated."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from cityloop.kit.clock import utcnow
from cityloop.kit.db import Base


class Visit(Base):
    """A grid worker's visit to a household member or a firm of the elements registry."""

    __tablename__ = "grid_visits"
    __table_args__ = (
        UniqueConstraint("user_id", "idempotency_key", name="uq_grid_visits_user_id_idempotency_key"),
        Index("ix_grid_visits_element_code_at", "element_code", "at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    plan: Mapped[str] = mapped_column(String(30))
    element_kind: Mapped[str] = mapped_column(String(20))
    element_code: Mapped[str] = mapped_column(String(40))
    grid_code: Mapped[str | None] = mapped_column(String(16), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    at: Mapped[datetime] = mapped_column()
    result: Mapped[str] = mapped_column(String(10))  # ok | problem
    finding: Mapped[str] = mapped_column(Text, default="")
    case_id: Mapped[int | None] = mapped_column()
    idempotency_key: Mapped[str | None] = mapped_column(String(100))
    received_at: Mapped[datetime] = mapped_column(default=utcnow)
