"""Unit grids (单元网格), their workers and their append-only change history."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import Float, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from cityloop.kit.clock import utcnow
from cityloop.kit.db import Base, TimestampMixin, append_only

GRID_CODE_LENGTH = 16  # county 6 + street 3 + community 3 + sequence 4
UNIT_GRID_LEVEL = 5

# Tables the PostGIS migration path creates outside the ORM metadata (see docs/grids.md, "PostGIS").
DB_ONLY_TABLES = frozenset({"grid_shapes", "spatial_ref_sys"})


class GridStatus(StrEnum):
    """Life-cycle of a grid: retired grids stay resolvable so old cases keep their grid."""

    ACTIVE = "active"
    RETIRED = "retired"


GRID_STATUS_LABELS: dict[GridStatus, tuple[str, str, str]] = {
    GridStatus.ACTIVE: ("在用", "Active", "green"),
    GridStatus.RETIRED: ("已撤销", "Retired", "grey"),
}


class GridAction(StrEnum):
    """Kinds of change recorded in the grid history."""

    CREATE = "create"
    MERGE = "merge"
    SPLIT = "split"
    RETIRE = "retire"
    RESHAPE = "reshape"


class Grid(TimestampMixin, Base):
    """One grid polygon; `geometry` is a GeoJSON (Multi)Polygon in WGS84, the bbox columns make lookups cheap."""

    __tablename__ = "grids"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(GRID_CODE_LENGTH), unique=True)
    name: Mapped[str] = mapped_column(String(80))
    level: Mapped[int] = mapped_column(default=UNIT_GRID_LEVEL)
    division_code: Mapped[str] = mapped_column(String(12), index=True)
    parent_code: Mapped[str | None] = mapped_column(String(GRID_CODE_LENGTH))
    geometry: Mapped[str] = mapped_column(Text)
    min_lng: Mapped[float] = mapped_column(Float)
    min_lat: Mapped[float] = mapped_column(Float)
    max_lng: Mapped[float] = mapped_column(Float)
    max_lat: Mapped[float] = mapped_column(Float)
    area_m2: Mapped[float] = mapped_column(Float, default=0.0)
    status: Mapped[str] = mapped_column(String(10), default=GridStatus.ACTIVE, index=True)
    valid_from: Mapped[datetime] = mapped_column(default=utcnow)
    valid_to: Mapped[datetime | None] = mapped_column()

    @property
    def is_active(self) -> bool:
        """True while the grid is in use."""
        return self.status == GridStatus.ACTIVE

    def retire(self, at: datetime) -> None:
        """Take the grid out of use at `at` (the row stays for history and old cases)."""
        self.status = GridStatus.RETIRED
        self.valid_to = at


class GridWorker(Base):
    """A grid worker (网格员) assigned to a grid."""

    __tablename__ = "grid_workers"
    __table_args__ = (UniqueConstraint("grid_code", "user_id", name="uq_grid_workers_grid_code_user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    grid_code: Mapped[str] = mapped_column(ForeignKey("grids.code"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    assigned_at: Mapped[datetime] = mapped_column(default=utcnow)


class GridChange(Base):
    """One entry of the append-only grid history (create, merge, split, retire, reshape)."""

    __tablename__ = "grid_changes"

    id: Mapped[int] = mapped_column(primary_key=True)
    action: Mapped[str] = mapped_column(String(10))
    from_codes: Mapped[list[Any]] = mapped_column(default=list)
    to_codes: Mapped[list[Any]] = mapped_column(default=list)
    actor_id: Mapped[int | None] = mapped_column()
    actor_name: Mapped[str] = mapped_column(String(80), default="")
    at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    note: Mapped[str] = mapped_column(String(500), default="")


append_only(GridChange)
