"""Policy notices: the 站内信 of a subject, one per (subject, policy, standing) — the ledger of who was told."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from cityloop.kit.clock import utcnow
from cityloop.kit.db import Base


class PolicyNotice(Base):
    """A subject told about one policy standing; only `read_at` changes after it is written."""

    __tablename__ = "policy_notices"
    __table_args__ = (
        UniqueConstraint("subject_kind", "subject_id", "policy_id", "status", name="uq_policy_notices_once"),
        Index("ix_policy_notices_subject", "subject_kind", "subject_id", "read_at"),
        Index("ix_policy_notices_policy_id_status", "policy_id", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    subject_kind: Mapped[str] = mapped_column(String(12))
    subject_id: Mapped[str] = mapped_column(String(40))
    policy_id: Mapped[str] = mapped_column(ForeignKey("policies.id"))
    status: Mapped[str] = mapped_column(String(12))  # eligible | near_miss
    failed: Mapped[list[Any]] = mapped_column(default=list)
    text: Mapped[str] = mapped_column(Text)
    text_en: Mapped[str] = mapped_column(Text, default="")
    sms_queued: Mapped[bool] = mapped_column(default=False)
    notified_at: Mapped[datetime] = mapped_column(default=utcnow)
    read_at: Mapped[datetime | None] = mapped_column()
