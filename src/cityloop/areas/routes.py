"""Areas API: division tree, grids as GeoJSON, point lookup, import, merge/split and the validation report."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Body, Query
from pydantic import BaseModel, ConfigDict, Field

from cityloop.accounts.deps import CurrentSubject
from cityloop.areas.divisions import tree as division_tree
from cityloop.areas.grids import service as grids
from cityloop.kit.deps import DbSession
from cityloop.kit.errors import Conflict, Forbidden, NotFound, error_responses

router = APIRouter(prefix="/api/v1", tags=["areas"])

DivisionCode = Annotated[str, Query(pattern=r"^[0-9]{2,12}$", description="Division code (prefix)")]
GridCode = Annotated[str, Field(pattern=r"^[0-9]{16}$")]
CrsHint = Annotated[str, Query(pattern=r"^[A-Za-z0-9:_ -]{1,40}$",
                               description="Coordinate system: wgs84, gcj02, bd09 or cgcs2000")]


class MergeIn(BaseModel):
    """Grids to merge into one."""

    model_config = ConfigDict(extra="forbid")

    codes: list[GridCode] = Field(min_length=2, max_length=50)
    name: str | None = Field(default=None, max_length=80)
    note: str = Field(default="", max_length=500)


class SplitIn(BaseModel):
    """How to split a grid: a GeoJSON LineString, or GeoJSON polygons that tile it."""

    model_config = ConfigDict(extra="forbid")

    line: dict[str, Any] | None = None
    parts: list[dict[str, Any]] | None = Field(default=None, max_length=50)
    names: list[str] | None = Field(default=None, max_length=50)
    note: str = Field(default="", max_length=500)


@router.get("/divisions", responses=error_responses(NotFound))
def list_divisions(session: DbSession, _: CurrentSubject, parent: DivisionCode | None = None,
                   depth: Annotated[int, Query(ge=0, le=3, description="Levels of descendants (0: children)")] = 0
                   ) -> Any:
    """Children of a division (top level without `parent`), or with `depth` > 0 its nested subtree."""
    if parent is not None and depth > 0:
        return division_tree.tree(session, parent, depth)
    return division_tree.children(session, parent)


@router.get("/grids")
def list_grids(session: DbSession, subject: CurrentSubject, division: DivisionCode | None = None,
               include_retired: bool = False) -> dict[str, Any]:
    """Grids in the caller's area as a GeoJSON FeatureCollection (WGS84)."""
    return grids.export_geojson(session, subject, division, include_retired)


@router.get("/grids/lookup")
def lookup_grid(session: DbSession, subject: CurrentSubject,
                lng: Annotated[float, Query(ge=-180, le=180)], lat: Annotated[float, Query(ge=-90, le=90)],
                crs: CrsHint = "wgs84") -> dict[str, Any]:
    """The active grid at a point (`grid_code` null when none in the caller's area)."""
    found = grids.lookup(session, subject, lng, lat, crs)
    return found or {"grid_code": None, "division_code": None}


@router.get("/grids/validation")
def validation_report(session: DbSession, subject: CurrentSubject,
                      division: DivisionCode | None = None) -> dict[str, Any]:
    """Overlaps between grids, holes inside communities and invalid rings, in the caller's area."""
    return grids.validation_report(session, subject, division)


@router.post("/grids/import", responses=error_responses(Forbidden, Conflict))
def import_grids(session: DbSession, subject: CurrentSubject, collection: Annotated[dict[str, Any], Body()],
                 crs: CrsHint | None = None, keep_good: bool = False) -> dict[str, Any]:
    """Import a GeoJSON FeatureCollection of grids (admin); all-or-nothing unless `keep_good`."""
    return grids.import_geojson(session, subject, collection, crs, keep_good).to_dict()


@router.post("/grids/merge", responses=error_responses(Forbidden, NotFound, Conflict))
def merge_grids(session: DbSession, subject: CurrentSubject, body: MergeIn) -> dict[str, Any]:
    """Merge adjacent grids of one community into a new grid (admin); the old ones are retired."""
    return grids.feature(grids.merge(session, subject, body.codes, body.name, body.note))


@router.post("/grids/{code}/split", responses=error_responses(Forbidden, NotFound, Conflict))
def split_grid(session: DbSession, subject: CurrentSubject, code: str, body: SplitIn) -> dict[str, Any]:
    """Split a grid by a line or into polygons (admin); returns the new grids."""
    new = grids.split(session, subject, code, body.line, body.parts, body.names, body.note)
    return {"type": "FeatureCollection", "features": [grids.feature(g) for g in new]}


@router.get("/grids/{code}", responses=error_responses(NotFound))
def get_grid(session: DbSession, subject: CurrentSubject, code: str) -> dict[str, Any]:
    """One grid (also retired ones, which old cases keep) with its workers and change history."""
    return grids.get(session, subject, code)
