"""A data resource of the sharing catalogue."""

from __future__ import annotations

from typing import Any

from sqlalchemy import ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from cityloop.kit.db import Base, TimestampMixin


class ShareResource(TimestampMixin, Base):
    """A table, view or API over CityLoop data, owned by one unit, offering some of its source's columns."""

    __tablename__ = "share_resources"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    title: Mapped[str] = mapped_column(String(120))
    title_en: Mapped[str] = mapped_column(String(160), default="")
    description: Mapped[str] = mapped_column(Text, default="")
    owner_unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"), index=True)
    kind: Mapped[str] = mapped_column(String(10), default="api")  # table | view | api
    source: Mapped[str] = mapped_column(String(20))  # a key of `sources.SOURCES`
    update_frequency: Mapped[str] = mapped_column(String(10))
    sharing_type: Mapped[str] = mapped_column(String(16))
    opening_type: Mapped[str] = mapped_column(String(16))
    # The conditions of 有条件共享, or the reason a resource is 不予共享 (shown to whoever asks for it).
    conditions: Mapped[str] = mapped_column(Text, default="")
    fields: Mapped[list[Any]] = mapped_column(default=list)
    is_active: Mapped[bool] = mapped_column(default=True)
