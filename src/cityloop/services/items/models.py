"""Service items: one row per implementing code and version; the live version is the active one."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from cityloop.kit.db import Base, TimestampMixin


class ServiceItem(TimestampMixin, Base):
    """An implementing item (实施清单事项) of one unit at one area level, in one catalogue version.

    `materials` is a list of {key, name, copies, original, paper, required}; `guide` is the decision tree
    (validated by services.guides.rules) or empty when every material applies to everyone.
    """

    __tablename__ = "service_items"
    __table_args__ = (UniqueConstraint("code", "version", name="uq_service_items_code_version"),
                      Index("ix_service_items_code_active", "code", "is_active"))

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(40))
    basic_code: Mapped[str] = mapped_column(String(40), index=True)
    version: Mapped[int] = mapped_column(default=1)
    is_active: Mapped[bool] = mapped_column(default=True)
    name: Mapped[str] = mapped_column(String(200))
    item_type: Mapped[str] = mapped_column(String(20))
    service_object: Mapped[str] = mapped_column(String(10))
    unit_name: Mapped[str] = mapped_column(String(120))
    division_code: Mapped[str] = mapped_column(String(12), index=True)
    legal_days: Mapped[int] = mapped_column()
    promised_days: Mapped[int] = mapped_column()
    fees: Mapped[str] = mapped_column(Text, default="")
    legal_basis: Mapped[str] = mapped_column(Text, default="")
    conditions: Mapped[str] = mapped_column(Text, default="")
    phone: Mapped[str] = mapped_column(String(40), default="")
    channels: Mapped[list[Any]] = mapped_column(default=list)
    themes: Mapped[list[Any]] = mapped_column(default=list)
    keywords: Mapped[str] = mapped_column(Text, default="")
    materials: Mapped[list[Any]] = mapped_column(default=list)
    steps: Mapped[list[Any]] = mapped_column(default=list)
    guide: Mapped[dict[str, Any]] = mapped_column(default=dict)
    popularity: Mapped[int] = mapped_column(default=0)


class Synonym(TimestampMixin, Base):
    """An administrator's entry of the search synonym table: a phrase citizens use → catalogue words."""

    __tablename__ = "service_synonyms"

    id: Mapped[int] = mapped_column(primary_key=True)
    phrase: Mapped[str] = mapped_column(String(40), unique=True)
    terms: Mapped[list[Any]] = mapped_column(default=list)
