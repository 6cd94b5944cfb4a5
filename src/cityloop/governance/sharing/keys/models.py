"""Scoped sharing keys and the log of every call made with one."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from cityloop.kit.clock import utcnow
from cityloop.kit.db import Base, TimestampMixin, append_only


class ShareKey(TimestampMixin, Base):
    """The key issued for an approved request; only its hash is stored, its scope is the request's."""

    __tablename__ = "share_keys"

    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[int] = mapped_column(ForeignKey("share_requests.id"), unique=True)
    prefix: Mapped[str] = mapped_column(String(16), unique=True)
    key_hash: Mapped[str] = mapped_column(String(64))
    valid_from: Mapped[datetime] = mapped_column()
    expires_at: Mapped[datetime] = mapped_column()
    revoked_at: Mapped[datetime | None] = mapped_column()
    last_used_at: Mapped[datetime | None] = mapped_column()


class ShareUsage(Base):
    """One call with a sharing key: who, which resource, how many rows, which answer."""

    __tablename__ = "share_usage"
    __table_args__ = (Index("ix_share_usage_resource_id_at", "resource_id", "at"),
                      Index("ix_share_usage_consumer_unit_id_at", "consumer_unit_id", "at"))

    id: Mapped[int] = mapped_column(primary_key=True)
    key_id: Mapped[int] = mapped_column(ForeignKey("share_keys.id"), index=True)
    request_id: Mapped[int] = mapped_column(ForeignKey("share_requests.id"))
    consumer_unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"))
    resource_id: Mapped[int] = mapped_column(ForeignKey("share_resources.id"))
    rows: Mapped[int] = mapped_column(default=0)
    status: Mapped[int] = mapped_column()
    at: Mapped[datetime] = mapped_column(default=utcnow)


append_only(ShareUsage)
