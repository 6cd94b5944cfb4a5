"""The tables a resource can draw from: their offered columns and how rows are bounded by area and owner."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, Select, select

from cityloop.accounts.models import Unit
from cityloop.areas.grids.models import Grid
from cityloop.cases.models import Case
from cityloop.cases.repository import scope_filter
from cityloop.channels.iot.models import Reading, Sensor
from cityloop.kit.auth import Role, Subject
from cityloop.kit.db import Base
from cityloop.services.items.models import ServiceItem


@dataclass(frozen=True)
class Source:
    """One shareable table: the columns a resource may offer and the statement its rows come from."""

    key: str
    label: tuple[str, str]
    model: type[Base]
    offered: tuple[str, ...]
    # The rows a grant bounded to `area` (a division-code prefix) may read, for a resource owned by `owner`.
    rows: Callable[[Unit, str], Select[Any]]
    encrypted: frozenset[str] = frozenset()

    @property
    def table(self) -> str:
        """Name of the table (its columns are graded in the field catalogue under this name)."""
        return str(self.model.__tablename__)

    @property
    def id_column(self) -> ColumnElement[int]:
        """The primary key, which orders and pages the rows."""
        column: ColumnElement[int] = getattr(self.model, "id")  # noqa: B009  (every source has an id)
        return column


def _area_subject(area: str) -> Subject:
    # A grant reads like an area leader of its bound area who belongs to no unit: the staff scoping rule then
    # keeps exactly the rows filed in that area.
    return Subject(id=None, name="share-grant", roles=frozenset({Role.LEADER}), scope=area)


def _cases(owner: Unit, area: str) -> Select[Any]:
    stmt = scope_filter(select(Case), _area_subject(area))
    # 城管局's cases are those handled by units of its type (the city bureau and every district's).
    of_owner = select(Unit.id).where(Unit.unit_type == owner.unit_type) if owner.unit_type else \
        select(Unit.id).where(Unit.id == owner.id)
    return stmt.where(Case.unit_id.in_(of_owner))


def _service_items(_owner: Unit, area: str) -> Select[Any]:
    return select(ServiceItem).where(ServiceItem.is_active.is_(True),
                                     ServiceItem.division_code.startswith(area, autoescape=True))


def _grids(_owner: Unit, area: str) -> Select[Any]:
    return select(Grid).where(Grid.division_code.startswith(area, autoescape=True))


def _readings(_owner: Unit, area: str) -> Select[Any]:
    inside = select(Sensor.id).where(Sensor.division_code.startswith(area, autoescape=True))
    return select(Reading).where(Reading.sensor_id.in_(inside))


SOURCES: dict[str, Source] = {s.key: s for s in (
    Source("cases", ("工单", "Cases"), Case,
           ("id", "number", "channel", "appeal_type", "title", "content", "reporter_name", "reporter_phone",
            "address", "lng", "lat", "division_code", "grid_code", "category_code", "grade", "unit_id", "state",
            "received_at", "deadline", "completed_at", "closed_at", "reply", "satisfaction", "card"),
           _cases, encrypted=frozenset({"reporter_name", "reporter_phone"})),
    Source("service_items", ("政务服务事项", "Service items"), ServiceItem,
           ("id", "code", "name", "item_type", "service_object", "unit_name", "division_code", "legal_days",
            "promised_days", "fees", "phone", "channels"), _service_items),
    Source("grids", ("网格", "Grids"), Grid,
           ("id", "code", "name", "level", "division_code", "geometry", "area_m2", "status"), _grids),
    Source("iot_readings", ("物联感知读数", "IoT readings"), Reading, ("id", "sensor_id", "value", "ts"), _readings),
)}
