"""An approval to export personal data in clear."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from cityloop.kit.db import Base, TimestampMixin


class ExportApproval(TimestampMixin, Base):
    """Who asked to export which list in clear and why; single use or valid for a day once approved."""

    __tablename__ = "export_approvals"

    id: Mapped[int] = mapped_column(primary_key=True)
    requester_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    export: Mapped[str] = mapped_column(String(40))  # which export: dispatch-queue, inbox, overdue
    reason: Mapped[str] = mapped_column(Text)
    state: Mapped[str] = mapped_column(String(12), index=True)
    single_use: Mapped[bool] = mapped_column(default=True)
    approver_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    note: Mapped[str] = mapped_column(Text, default="")
    expires_at: Mapped[datetime | None] = mapped_column()
    used_at: Mapped[datetime | None] = mapped_column()
