"""Fulfilment tasks (one per subject × policy version) and their append-only events."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from cityloop.kit.clock import utcnow
from cityloop.kit.db import Base, TimestampMixin, append_only


class Fulfilment(TimestampMixin, Base):
    """A 免申即享 task: the benefit of one policy version for one subject, moving 核验 → 审批 → 兑付."""

    __tablename__ = "policy_fulfilments"
    __table_args__ = (UniqueConstraint("policy_id", "policy_version", "subject_id"),
                      Index("ix_policy_fulfilments_division_code_stage", "division_code", "stage"),
                      Index("ix_policy_fulfilments_stage_due", "stage", "stage_due"))

    id: Mapped[int] = mapped_column(primary_key=True)
    policy_id: Mapped[str] = mapped_column(ForeignKey("policies.id"))
    policy_version: Mapped[int] = mapped_column()
    subject_kind: Mapped[str] = mapped_column(String(12))
    subject_id: Mapped[str] = mapped_column(String(40), index=True)
    division_code: Mapped[str] = mapped_column(String(12))
    stage: Mapped[str] = mapped_column(String(12))
    amount: Mapped[float | None] = mapped_column()
    stage_due: Mapped[datetime | None] = mapped_column()
    overdue: Mapped[bool] = mapped_column(default=False)
    reason: Mapped[str] = mapped_column(Text, default="")
    paid_at: Mapped[datetime | None] = mapped_column()
    closed_at: Mapped[datetime | None] = mapped_column()


class FulfilmentEvent(Base):
    """One step of a fulfilment task (opened, verified, approved, paid, rejected, withdrawn, overdue); never updated."""

    __tablename__ = "policy_fulfilment_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    fulfilment_id: Mapped[int] = mapped_column(ForeignKey("policy_fulfilments.id"), index=True)
    at: Mapped[datetime] = mapped_column(default=utcnow)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    action: Mapped[str] = mapped_column(String(20))
    from_stage: Mapped[str] = mapped_column(String(12), default="")
    to_stage: Mapped[str] = mapped_column(String(12))
    note: Mapped[str] = mapped_column(Text, default="")
    data: Mapped[dict[str, Any]] = mapped_column(default=dict)


append_only(FulfilmentEvent)
