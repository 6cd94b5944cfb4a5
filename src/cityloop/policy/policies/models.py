"""Policies with their criteria (labelled JSON Logic rules)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from cityloop.kit.db import Base, TimestampMixin


class Policy(TimestampMixin, Base):
    """A policy; a subject is eligible when every criterion's rule is truthy for it."""

    __tablename__ = "policies"

    id: Mapped[str] = mapped_column(String(60), primary_key=True)
    title: Mapped[str] = mapped_column(String(200))
    object: Mapped[str] = mapped_column(String(20))  # enterprise | person
    no_application: Mapped[bool] = mapped_column(default=False)
    criteria: Mapped[list[Any]] = mapped_column(default=list)
    is_active: Mapped[bool] = mapped_column(default=True)
