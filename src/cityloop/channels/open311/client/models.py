"""Where a unit's cases go (its Open311 endpoint) and the transactional outbox that sends them."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from cityloop.kit.crypto import ENCRYPTED
from cityloop.kit.db import Base, TimestampMixin


class Open311Endpoint(TimestampMixin, Base):
    """An external Open311 system that handles the cases of one unit."""

    __tablename__ = "open311_endpoints"

    id: Mapped[int] = mapped_column(primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"), unique=True)
    base_url: Mapped[str] = mapped_column(String(300))  # up to and including /v2
    api_key: Mapped[str] = mapped_column(String(255), info=ENCRYPTED)
    jurisdiction_id: Mapped[str] = mapped_column(String(80), default="")
    service_code: Mapped[str] = mapped_column(String(80), default="")  # empty: the case's category code
    is_active: Mapped[bool] = mapped_column(default=True)


class Open311Delivery(Base):
    """One case to send (written with the dispatch that causes it) and what came of it."""

    __tablename__ = "open311_deliveries"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    endpoint_id: Mapped[int] = mapped_column(ForeignKey("open311_endpoints.id"))
    state: Mapped[str] = mapped_column(String(10), default="pending", index=True)  # pending, sent, failed
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(index=True)
    last_error: Mapped[str] = mapped_column(Text, default="")
    remote_id: Mapped[str | None] = mapped_column(String(80))
    remote_status: Mapped[str] = mapped_column(String(40), default="")
    remote_notes: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column()
    sent_at: Mapped[datetime | None] = mapped_column()
