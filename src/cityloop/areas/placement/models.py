"""Local names learned from closed cases whose place a person confirmed: sightings per name and division."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from cityloop.kit.clock import utcnow
from cityloop.kit.db import Base


class PlaceName(Base):
    """How many confirmed cases of one division mention a local name (road, river, landmark)."""

    __tablename__ = "place_names"
    __table_args__ = (UniqueConstraint("name", "division_code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(40), index=True)
    division_code: Mapped[str] = mapped_column(String(12), index=True)
    cases: Mapped[int] = mapped_column()
    learned_at: Mapped[datetime] = mapped_column(default=utcnow)
