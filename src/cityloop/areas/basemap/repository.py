"""All SQL the offline base map reads: active grid shapes, division names and standard-address points."""

from __future__ import annotations

from collections.abc import Hashable

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from cityloop.areas.divisions.models import Division
from cityloop.areas.elements.models import StandardAddress
from cityloop.areas.elements.repository import scope_elements
from cityloop.areas.grids.models import Grid, GridStatus
from cityloop.areas.repository import scoped_grids
from cityloop.kit.auth import SYSTEM


def grid_shapes(session: Session) -> list[tuple[str, str]]:
    """(division_code, GeoJSON geometry) of every active grid; the base is built city-wide and filtered per caller."""
    stmt = scoped_grids(SYSTEM).with_only_columns(Grid.division_code, Grid.geometry)
    return [(d, g) for d, g in session.execute(stmt.where(Grid.status == GridStatus.ACTIVE).order_by(Grid.code))]


def division_names(session: Session, codes: set[str]) -> dict[str, str]:
    """Name of each of `codes` that is a known division."""
    if not codes:
        return {}
    stmt = select(Division.code, Division.name).where(Division.code.in_(sorted(codes)))
    return {code: name for code, name in session.execute(stmt)}


def road_points(session: Session) -> list[tuple[str, str, float, float]]:
    """(road, division_code, lng, lat) of every standard address that names its road."""
    stmt = scope_elements(select(StandardAddress.road, StandardAddress.division_code, StandardAddress.lng,
                                 StandardAddress.lat), StandardAddress, SYSTEM)
    stmt = stmt.where(StandardAddress.road.is_not(None), StandardAddress.road != "")
    return [(r, d, x, y) for r, d, x, y in session.execute(stmt.order_by(StandardAddress.id))]


def fingerprint(session: Session) -> Hashable:
    """Cheap summary that changes when a grid, a standard address or a division is added or changed."""
    grids = session.execute(scoped_grids(SYSTEM).with_only_columns(
        func.count(Grid.id), func.max(Grid.id), func.max(Grid.updated_at))).one()
    addresses = session.execute(scope_elements(select(
        func.count(StandardAddress.id), func.max(StandardAddress.id), func.max(StandardAddress.updated_at)),
        StandardAddress, SYSTEM)).one()
    divisions = session.scalar(select(func.count()).select_from(Division))
    return tuple(str(v) for v in (*grids, *addresses, divisions))
