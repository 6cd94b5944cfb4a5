"""Evaluations (好差评) of concluded applications."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from cityloop.kit.clock import utcnow
from cityloop.kit.db import Base, append_only


class Evaluation(Base):
    """One rating (1 非常不满意 … 5 非常满意) per application; a rating of 1–2 is a 差评 with its rectification case."""

    __tablename__ = "service_evaluations"

    id: Mapped[int] = mapped_column(primary_key=True)
    application_id: Mapped[int] = mapped_column(ForeignKey("service_applications.id"), unique=True)
    applicant_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    division_code: Mapped[str] = mapped_column(String(12), index=True)
    item_code: Mapped[str] = mapped_column(String(40), index=True)
    score: Mapped[int] = mapped_column()
    text: Mapped[str] = mapped_column(Text, default="")
    at: Mapped[datetime] = mapped_column(default=utcnow)
    case_id: Mapped[int | None] = mapped_column(index=True)


append_only(Evaluation)
