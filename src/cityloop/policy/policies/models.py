"""Policies with their criteria (labelled JSON Logic rules), benefit and validity window, and their versions."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from cityloop.kit.clock import utcnow
from cityloop.kit.db import Base, TimestampMixin, append_only


class Policy(TimestampMixin, Base):
    """A policy; a subject is eligible when every criterion's rule is truthy for it (inside the validity window)."""

    __tablename__ = "policies"

    id: Mapped[str] = mapped_column(String(60), primary_key=True)
    title: Mapped[str] = mapped_column(String(200))
    object: Mapped[str] = mapped_column(String(20))  # enterprise | person
    no_application: Mapped[bool] = mapped_column(default=False)
    criteria: Mapped[list[Any]] = mapped_column(default=list)
    is_active: Mapped[bool] = mapped_column(default=True)
    issuing_unit: Mapped[str] = mapped_column(String(120), default="")
    legal_url: Mapped[str] = mapped_column(String(500), default="")
    # {"description": str, "amount": number | null, "formula": JSON Logic giving a number | null}
    benefit: Mapped[dict[str, Any]] = mapped_column(default=dict)
    valid_from: Mapped[date | None] = mapped_column()
    valid_to: Mapped[date | None] = mapped_column()
    version: Mapped[int] = mapped_column(default=1)


class PolicyVersion(Base):
    """The content of one version of a policy, as imported; never updated."""

    __tablename__ = "policy_versions"
    __table_args__ = (UniqueConstraint("policy_id", "version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    policy_id: Mapped[str] = mapped_column(ForeignKey("policies.id"), index=True)
    version: Mapped[int] = mapped_column()
    content: Mapped[dict[str, Any]] = mapped_column(default=dict)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


append_only(PolicyVersion)
