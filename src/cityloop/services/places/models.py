"""Service halls and windows, with hours, items handled and a point on the map."""

from __future__ import annotations

from typing import Any

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from cityloop.kit.db import Base, TimestampMixin


class Place(TimestampMixin, Base):
    """A service hall (政务服务中心/便民服务中心) with its windows; its doorplate QR opens its public page."""

    __tablename__ = "service_places"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    name: Mapped[str] = mapped_column(String(120))
    level: Mapped[str] = mapped_column(String(10))
    address: Mapped[str] = mapped_column(String(200))
    division_code: Mapped[str] = mapped_column(String(12), index=True)
    lng: Mapped[float] = mapped_column()
    lat: Mapped[float] = mapped_column()
    hours: Mapped[str] = mapped_column(String(200))
    phone: Mapped[str] = mapped_column(String(40), default="")
    windows: Mapped[list[Any]] = mapped_column(default=list)
    item_codes: Mapped[list[Any]] = mapped_column(default=list)
