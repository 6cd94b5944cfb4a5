"""Stored match results: eligible and near-miss subjects per policy, with the criteria that failed."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from cityloop.kit.clock import utcnow
from cityloop.kit.db import Base


class PolicyMatch(Base):
    """One subject's standing for one policy (only eligible and near-miss are kept; the rest is the default)."""

    __tablename__ = "policy_matches"
    __table_args__ = (Index("ix_policy_matches_policy_id_status", "policy_id", "status"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    policy_id: Mapped[str] = mapped_column(ForeignKey("policies.id"))
    subject_kind: Mapped[str] = mapped_column(String(12), default="enterprise")  # enterprise | person
    subject_id: Mapped[str] = mapped_column(String(40), index=True)
    policy_version: Mapped[int] = mapped_column(default=1)
    status: Mapped[str] = mapped_column(String(12))  # eligible | near_miss
    passed: Mapped[list[Any]] = mapped_column(default=list)
    failed: Mapped[list[Any]] = mapped_column(default=list)
    values: Mapped[dict[str, Any]] = mapped_column(default=dict)
    matched_at: Mapped[datetime] = mapped_column(default=utcnow)
