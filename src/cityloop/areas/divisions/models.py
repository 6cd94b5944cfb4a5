"""Division tree (行政区划); grids, addresses and elements extend this module."""

from __future__ import annotations

from datetime import date

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from cityloop.kit.db import Base

LEVELS = {
    1: ("省", "province"), 2: ("市", "city"), 3: ("区县", "district"), 4: ("街道", "street"), 5: ("社区", "community"),
}


class Division(Base):
    """One administrative division; `code` is its GB/T 2260 / statistical code."""

    __tablename__ = "divisions"

    code: Mapped[str] = mapped_column(String(12), primary_key=True)
    name: Mapped[str] = mapped_column(String(80))
    short_name: Mapped[str] = mapped_column(String(40), default="")
    level: Mapped[int] = mapped_column()
    parent_code: Mapped[str | None] = mapped_column(String(12), index=True)
    valid_from: Mapped[date | None] = mapped_column()
    valid_to: Mapped[date | None] = mapped_column()


def level_of(code: str) -> int:
    """Level implied by the length of a division code."""
    return {2: 1, 4: 2, 6: 3, 9: 4, 12: 5}.get(len(code), 5)
