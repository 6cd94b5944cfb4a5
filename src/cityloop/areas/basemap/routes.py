"""Base-map API: the offline base (division outlines, names, roads) for maps without a tile server."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from cityloop.accounts.deps import CurrentSubject
from cityloop.areas.basemap import service
from cityloop.kit.deps import DbSession

router = APIRouter(prefix="/api/v1", tags=["areas"])


@router.get("/basemap")
def basemap(session: DbSession, subject: CurrentSubject) -> dict[str, Any]:
    """Offline base in the caller's area: outlines (`area`), names (`label`) and roads (`road`) as GeoJSON (WGS84)."""
    return service.base_geojson(session, subject)
