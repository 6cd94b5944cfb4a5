"""Applications (办件) and their append-only events."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from cityloop.kit.clock import to_local, utcnow
from cityloop.kit.db import Base, TimestampMixin, append_only


class Application(TimestampMixin, Base):
    """One application for one item version; `deadline` is the promised limit in working days from receipt."""

    __tablename__ = "service_applications"

    id: Mapped[int] = mapped_column(primary_key=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("service_items.id"), index=True)
    item_code: Mapped[str] = mapped_column(String(40), index=True)
    item_version: Mapped[int] = mapped_column()
    division_code: Mapped[str] = mapped_column(String(12), index=True)
    applicant_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    applicant_name: Mapped[str] = mapped_column(String(80))
    applicant_phone: Mapped[str] = mapped_column(String(20), default="")
    channel: Mapped[str] = mapped_column(String(10), default="online")
    # Applications filed together for one 一件事 share the bundle code and the number of the first one.
    bundle_code: Mapped[str | None] = mapped_column(String(40), index=True)
    bundle_ref: Mapped[int | None] = mapped_column()
    state: Mapped[str] = mapped_column(String(20), index=True)
    answers: Mapped[dict[str, Any]] = mapped_column(default=dict)
    form: Mapped[dict[str, Any]] = mapped_column(default=dict)
    materials: Mapped[list[Any]] = mapped_column(default=list)
    received_at: Mapped[datetime] = mapped_column(default=utcnow)
    deadline: Mapped[datetime] = mapped_column()
    # While 补正 is pending the clock stops; on resubmission the deadline moves by the working time lost.
    suspended_at: Mapped[datetime | None] = mapped_column()
    decision: Mapped[str] = mapped_column(Text, default="")
    concluded_at: Mapped[datetime | None] = mapped_column()

    @property
    def number(self) -> str:
        """The application number shown to people: SB + local date of receipt + id."""
        return f"SB{to_local(self.received_at):%Y%m%d}{self.id:06d}"


class ApplicationEvent(Base):
    """One step of an application (filed, pre-reviewed, accepted …); never updated."""

    __tablename__ = "service_application_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    application_id: Mapped[int] = mapped_column(ForeignKey("service_applications.id"), index=True)
    at: Mapped[datetime] = mapped_column(default=utcnow)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    action: Mapped[str] = mapped_column(String(30))
    from_state: Mapped[str] = mapped_column(String(20), default="")
    to_state: Mapped[str] = mapped_column(String(20))
    note: Mapped[str] = mapped_column(Text, default="")
    data: Mapped[dict[str, Any]] = mapped_column(default=dict)


append_only(ApplicationEvent)
