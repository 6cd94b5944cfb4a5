"""Outbox messages, the append-only delivery log, editable templates and opt-outs."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from cityloop.kit.clock import utcnow
from cityloop.kit.crypto import ENCRYPTED, blind_index_of
from cityloop.kit.db import Base, TimestampMixin


class OutboxMessage(Base):
    """One message to one recipient, written in the transaction of the event that causes it."""

    __tablename__ = "notify_outbox"
    __table_args__ = (Index("ix_notify_outbox_status_next_attempt_at", "status", "next_attempt_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    channel: Mapped[str] = mapped_column(String(10))  # sms | inbox | webhook
    kind: Mapped[str] = mapped_column(String(30))
    case_id: Mapped[int | None] = mapped_column(index=True)
    # The area of the case it is about, so listings can be scoped like cases.
    division_code: Mapped[str] = mapped_column(String(12), index=True, default="")
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    # Phone number or webhook address, encrypted like every personal value.
    recipient: Mapped[str | None] = mapped_column(String(255), info=ENCRYPTED)
    recipient_index: Mapped[str | None] = mapped_column(String(32), index=True, info=blind_index_of("recipient"))
    text: Mapped[str] = mapped_column(Text, default="")
    payload: Mapped[dict[str, Any]] = mapped_column(default=dict)
    status: Mapped[str] = mapped_column(String(10), default="pending")  # pending | sent | failed | skipped
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_error: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column()


class DeliveryAttempt(Base):
    """One try at delivering an outbox message (append-only: the log is evidence of what was sent)."""

    __tablename__ = "notify_delivery_log"

    id: Mapped[int] = mapped_column(primary_key=True)
    outbox_id: Mapped[int] = mapped_column(ForeignKey("notify_outbox.id"), index=True)
    attempt: Mapped[int] = mapped_column()
    channel: Mapped[str] = mapped_column(String(10))
    gateway: Mapped[str] = mapped_column(String(20))
    # Masked at write time: the log is kept longer than the outbox and must not need the key to be safe.
    recipient_masked: Mapped[str] = mapped_column(String(255), default="")
    ok: Mapped[bool] = mapped_column()
    error: Mapped[str] = mapped_column(Text, default="")
    at: Mapped[datetime] = mapped_column(default=utcnow)


class Template(TimestampMixin, Base):
    """The text of one event kind in one language; placeholders in braces."""

    __tablename__ = "notify_templates"
    __table_args__ = (UniqueConstraint("kind", "lang", name="uq_notify_templates_kind_lang"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(30))
    lang: Mapped[str] = mapped_column(String(5))
    text: Mapped[str] = mapped_column(Text)
    updated_by: Mapped[str] = mapped_column(String(80), default="")


class OptOut(Base):
    """Someone who asked not to get SMS: an account (`user_id`) or a phone number."""

    __tablename__ = "notify_opt_outs"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), unique=True)
    phone: Mapped[str | None] = mapped_column(String(255), info=ENCRYPTED)
    phone_index: Mapped[str | None] = mapped_column(String(32), unique=True, info=blind_index_of("phone"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
