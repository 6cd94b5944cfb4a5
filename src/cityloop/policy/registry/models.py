"""The enterprise registry policies match against (one row per 统一社会信用代码)."""

from __future__ import annotations

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from cityloop.kit.db import Base, TimestampMixin


class Enterprise(TimestampMixin, Base):
    """An enterprise with the attributes policies ask about."""

    __tablename__ = "policy_enterprises"

    id: Mapped[int] = mapped_column(primary_key=True)
    uscc: Mapped[str] = mapped_column(String(18), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    industry: Mapped[str] = mapped_column(String(60), default="")
    scale: Mapped[str] = mapped_column(String(20), default="")
    registered_year: Mapped[int] = mapped_column()
    division_code: Mapped[str] = mapped_column(String(12), index=True)
    employees: Mapped[int] = mapped_column(default=0)
    revenue: Mapped[float] = mapped_column(default=0.0)
    tax_credit: Mapped[str] = mapped_column(String(10), default="")
    high_tech: Mapped[bool] = mapped_column(default=False)
    rnd_ratio: Mapped[float] = mapped_column(default=0.0)
