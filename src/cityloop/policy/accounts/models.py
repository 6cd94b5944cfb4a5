"""Links from user accounts to registry subjects, and the subjects' contact phones for 政策找人."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from cityloop.kit.clock import utcnow
from cityloop.kit.crypto import ENCRYPTED, blind_index_of
from cityloop.kit.db import Base, TimestampMixin


class SubjectLink(Base):
    """A user account speaking for one subject: a firm for its enterprise (USCC), a citizen for a person."""

    __tablename__ = "policy_subject_links"
    __table_args__ = (UniqueConstraint("user_id", name="uq_policy_subject_links_user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    subject_kind: Mapped[str] = mapped_column(String(12))  # enterprise | person
    subject_id: Mapped[str] = mapped_column(String(40), index=True)
    created_by: Mapped[str] = mapped_column(String(80), default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class SubjectContact(TimestampMixin, Base):
    """The phone a subject is told on (the enterprise registry has none); encrypted with a blind index."""

    __tablename__ = "policy_subject_contacts"
    __table_args__ = (UniqueConstraint("subject_kind", "subject_id", name="uq_policy_subject_contacts_subject"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    subject_kind: Mapped[str] = mapped_column(String(12))
    subject_id: Mapped[str] = mapped_column(String(40))
    phone: Mapped[str | None] = mapped_column(String(255), info=ENCRYPTED)
    phone_index: Mapped[str | None] = mapped_column(String(32), index=True, info=blind_index_of("phone"))
