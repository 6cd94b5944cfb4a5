"""Sharing requests and the append-only history of requests and export approvals."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from cityloop.kit.clock import utcnow
from cityloop.kit.db import Base, TimestampMixin, append_only


class ShareRequest(TimestampMixin, Base):
    """A unit's request for some fields of a resource, for a purpose, a period and optionally an area."""

    __tablename__ = "share_requests"

    id: Mapped[int] = mapped_column(primary_key=True)
    resource_id: Mapped[int] = mapped_column(ForeignKey("share_resources.id"), index=True)
    requester_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    consumer_unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"), index=True)
    purpose: Mapped[str] = mapped_column(Text)
    fields: Mapped[list[Any]] = mapped_column(default=list)
    masked: Mapped[bool] = mapped_column(default=True)
    starts_on: Mapped[date] = mapped_column()
    ends_on: Mapped[date] = mapped_column()
    area_code: Mapped[str] = mapped_column(String(12), default="")  # empty: the whole city
    rate_per_minute: Mapped[int] = mapped_column()
    state: Mapped[str] = mapped_column(String(16), index=True)
    needs_bureau: Mapped[bool] = mapped_column(default=False)
    owner_approver_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    bureau_approver_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    reason: Mapped[str] = mapped_column(Text, default="")  # why it was rejected or revoked


class ShareEvent(Base):
    """One step of a sharing request or an export approval; never updated or deleted."""

    __tablename__ = "share_events"
    __table_args__ = (Index("ix_share_events_object", "object_type", "object_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    object_type: Mapped[str] = mapped_column(String(10))  # request | export
    object_id: Mapped[int] = mapped_column()
    action: Mapped[str] = mapped_column(String(20))
    from_state: Mapped[str] = mapped_column(String(16), default="")
    to_state: Mapped[str] = mapped_column(String(16))
    actor_id: Mapped[int | None] = mapped_column()
    actor_name: Mapped[str] = mapped_column(String(80))
    note: Mapped[str] = mapped_column(Text, default="")
    detail: Mapped[dict[str, Any]] = mapped_column(default=dict)
    at: Mapped[datetime] = mapped_column(default=utcnow)


append_only(ShareEvent)
