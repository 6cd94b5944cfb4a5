"""Offline base map: district/street/community outlines as unions of their grids, labels, roads from addresses."""

from __future__ import annotations

import json
import math
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt
import shapely
from shapely.geometry import LineString, shape
from shapely.geometry.base import BaseGeometry
from sklearn.cluster import DBSCAN
from sqlalchemy.orm import Session

from cityloop.areas.basemap import repository as repo
from cityloop.kit.auth import Role, Subject
from cityloop.kit.table_cache import TableCache

# Division-code widths drawn as outlines: district (区县), street (街道), community (社区).
LEVELS = {6: 3, 9: 4, 12: 5}
MIN_ROAD_POINTS = 3
# Points whose spread across their main axis exceeds this share of the spread along it do not trace a road
# (addresses geocoded to estate or community centres); drawing a line through them would invent a street.
MAX_ROAD_SPREAD = 0.35
_SIMPLIFY_DEG = 1e-5  # about 1 m: invisible at street zoom, keeps the response small
_GRID_SIZE = 1e-7  # snapping grid for unions, so grids that meet edge to edge leave no slivers
# Door plates of one name further apart than this belong to different stretches (or to namesake roads).
ROAD_GAP_M = 300.0
_M_PER_DEG_LAT = 110_540.0
_M_PER_DEG_LNG = 111_320.0


@dataclass(frozen=True, slots=True)
class Outline:
    """One division drawn as the union of its grids, with the point its name is written at."""

    code: str
    name: str
    level: int
    geometry: BaseGeometry
    label: tuple[float, float]


@dataclass(frozen=True, slots=True)
class Road:
    """One stretch of a road traced through its standard addresses, with the streets it runs through."""

    name: str
    street_codes: tuple[str, ...]
    coords: list[tuple[float, float]]


@dataclass(frozen=True, slots=True)
class BaseMap:
    """Everything the offline base draws, city-wide."""

    outlines: list[Outline]
    roads: list[Road]


def outlines(grids: Iterable[tuple[str, BaseGeometry]], names: dict[str, str]) -> list[Outline]:
    """Outlines of every district, street and community that has grids, coarsest first.

    Finest level first, each from the unions one level down: a district unions its streets' outlines rather than
    all its grids again.
    """
    parts: dict[str, list[BaseGeometry]] = {}
    for division_code, geom in grids:
        width = max((w for w in LEVELS if len(division_code) >= w), default=0)
        if width:
            parts.setdefault(division_code[:width], []).append(geom)
    unions: dict[str, BaseGeometry] = {}
    for width in sorted(LEVELS, reverse=True):
        for code in sorted(c for c in parts if len(c) == width):
            unions[code] = shapely.union_all(parts[code], grid_size=_GRID_SIZE)
            coarser = [w for w in LEVELS if w < width]
            if coarser:
                parts.setdefault(code[:max(coarser)], []).append(unions[code])
    out = []
    for code in sorted(unions, key=lambda c: (len(c), c)):
        union = unions[code].simplify(_SIMPLIFY_DEG)
        if union.is_empty:
            continue
        point = union.point_on_surface()
        out.append(Outline(code, names.get(code, code), LEVELS[len(code)], union, (point.x, point.y)))
    return out


def _metres_per_degree(lat: float) -> npt.NDArray[np.float64]:
    """East and north metres per degree at a latitude (equirectangular; enough within a city)."""
    return np.array([_M_PER_DEG_LNG * math.cos(math.radians(lat)), _M_PER_DEG_LAT])


def _bin_medians(values: npt.NDArray[np.float64], which: npt.NDArray[np.int64], bins: int) -> list[float]:
    """Median of `values` in each non-empty bin, in bin order (one sort instead of a median per bin)."""
    order = np.lexsort((values, which))
    counts = np.bincount(which, minlength=bins)
    starts = np.concatenate(([0], np.cumsum(counts)[:-1]))
    ranked = values[order]
    full = counts > 0
    lo, hi = starts[full] + (counts[full] - 1) // 2, starts[full] + counts[full] // 2
    return [float(v) for v in (ranked[lo] + ranked[hi]) / 2]


def trace(points: list[tuple[float, float]]) -> list[tuple[float, float]] | None:
    """A polyline along the main axis of a road's address points, or None when they do not lie along a line.

    The points are ordered by their position along the axis and binned; each vertex is the median of a bin, so
    door plates on both sides of a gently curving road give its centre line.
    """
    if len(points) < MIN_ROAD_POINTS:
        return None
    lng0, lat0 = np.mean(points, axis=0)
    scale = _metres_per_degree(lat0)
    xy = (np.asarray(points) - (lng0, lat0)) * scale
    _, spread, axes = np.linalg.svd(xy, full_matrices=False)
    if spread[0] == 0 or spread[1] / spread[0] > MAX_ROAD_SPREAD:
        return None
    along, across = xy @ axes[0], xy @ axes[1]
    lo, hi = np.percentile(along, [2, 98])
    bins = max(2, min(12, len(points) // 4))
    edges = np.linspace(lo, hi, bins + 1)
    which = np.clip(np.digitize(along, edges) - 1, 0, bins - 1)
    vertices = list(zip(_bin_medians(along, which, bins), _bin_medians(across, which, bins), strict=True))
    vertices = [(lo, vertices[0][1]), *vertices, (hi, vertices[-1][1])]
    metric = np.array([a * axes[0] + c * axes[1] for a, c in vertices])
    lnglat = metric / scale + (lng0, lat0)
    line = LineString(lnglat).simplify(_SIMPLIFY_DEG)
    return [(float(x), float(y)) for x, y in line.coords] if line.length > 0 else None


def _stretches(names: list[str], points: npt.NDArray[np.float64]) -> npt.NDArray[np.int64]:
    """A stretch label per door plate: plates of one name chained by gaps of at most ROAD_GAP_M.

    One DBSCAN over the whole city: each name is lifted onto its own far-apart plane (a third coordinate), so
    plates of different names can never join, without one clustering call per road.
    """
    index = {name: i for i, name in enumerate(sorted(set(names)))}
    metres = points * _metres_per_degree(float(np.mean(points[:, 1])))
    plane = np.array([index[n] for n in names], dtype=np.float64) * ROAD_GAP_M * 10
    return np.asarray(DBSCAN(eps=ROAD_GAP_M, min_samples=1).fit(np.column_stack([metres, plane])).labels_)


def roads(rows: Iterable[tuple[str, str, float, float]]) -> list[Road]:
    """Each road name's door plates split into stretches (gaps over ROAD_GAP_M), each stretch traced once."""
    table = list(rows)
    if not table:
        return []
    names = [name for name, _, _, _ in table]
    points = np.array([(lng, lat) for _, _, lng, lat in table], dtype=np.float64)
    labels = _stretches(names, points)
    order = np.argsort(labels, kind="stable")
    bounds = np.flatnonzero(np.diff(labels[order])) + 1
    out = []
    for picked in np.split(order, bounds):
        coords = trace([(float(x), float(y)) for x, y in points[picked]])
        if coords is not None:
            streets = tuple(sorted({table[i][1][:9] for i in picked}))
            out.append(Road(names[picked[0]], streets, coords))
    return sorted(out, key=lambda r: (r.name, r.coords))


def _build(session: Session) -> BaseMap:
    grids = [(code, shape(json.loads(geometry))) for code, geometry in repo.grid_shapes(session)]
    codes = {code[:width] for code, _ in grids for width in LEVELS if len(code) >= width}
    return BaseMap(outlines(grids, repo.division_names(session, codes)), roads(repo.road_points(session)))


# Built city-wide once per change of grids, addresses or divisions; callers get their area's part of it.
_cache: TableCache[BaseMap] = TableCache(repo.fingerprint, _build)


def _visible(code: str, subject: Subject) -> bool:
    if Role.SYSTEM in subject.roles:
        return True
    if not subject.is_staff or not subject.scope:
        return False
    return code.startswith(subject.scope)


def _road_visible(road: Road, subject: Subject) -> bool:
    # A road is public: whoever sees one street it runs through sees all of it, and a community's staff see the
    # roads of their street.
    return any(_visible(code, subject) or (subject.is_staff and (subject.scope or "").startswith(code))
               for code in road.street_codes)


def _rounded(geom: BaseGeometry) -> Any:
    # Six decimals are about 0.1 m; the full doubles would triple the response.
    return json.loads(shapely.to_geojson(shapely.set_precision(geom, 1e-6)))


def _feature(geometry: Any, **props: Any) -> dict[str, Any]:
    return {"type": "Feature", "geometry": geometry, "properties": props}


def base_geojson(session: Session, subject: Subject) -> dict[str, Any]:
    """The caller's part of the offline base as one FeatureCollection (`kind`: area, label or road)."""
    base = _cache.get(session)
    features = []
    for o in base.outlines:
        if _visible(o.code, subject):
            features.append(_feature(_rounded(o.geometry), kind="area", level=o.level, code=o.code, name=o.name))
            features.append(_feature({"type": "Point", "coordinates": [round(o.label[0], 6), round(o.label[1], 6)]},
                                     kind="label", level=o.level, code=o.code, name=o.name))
    for r in base.roads:
        if _road_visible(r, subject):
            features.append(_feature({"type": "LineString", "coordinates": [[round(x, 6), round(y, 6)]
                                                                            for x, y in r.coords]},
                                     kind="road", streets=list(r.street_codes), name=r.name))
    return {"type": "FeatureCollection", "features": features}
