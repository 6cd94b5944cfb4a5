"""Coordinate systems (WGS84, GCJ-02, BD-09, CGCS2000), geodesic areas and polygon ring checks."""

from __future__ import annotations

import math
from enum import StrEnum
from functools import lru_cache
from typing import Any

import numpy as np
import numpy.typing as npt
import shapely
from pyproj import Geod, Transformer
from shapely.geometry.base import BaseGeometry

Floats = npt.NDArray[np.float64]
ArrayLike = float | list[float] | Floats

# Krasovsky 1940 ellipsoid, as in the published GCJ-02 algorithm.
_A = 6378245.0
_EE = 0.00669342162296594323
_X_PI = math.pi * 3000.0 / 180.0
_GEOD = Geod(ellps="WGS84")


class Crs(StrEnum):
    """Coordinate systems accepted on import; everything is stored as WGS84."""

    WGS84 = "wgs84"
    GCJ02 = "gcj02"
    BD09 = "bd09"
    CGCS2000 = "cgcs2000"


def parse_crs(value: str | None) -> Crs:
    """A CRS from a loose hint (`GCJ-02`, `EPSG:4490`, `baidu`…); WGS84 when empty."""
    key = (value or "wgs84").lower().replace("-", "").replace("_", "").replace(" ", "").replace(":", "")
    aliases = {"epsg4326": "wgs84", "4326": "wgs84", "gcj": "gcj02", "mars": "gcj02", "amap": "gcj02",
               "gaode": "gcj02", "bd": "bd09", "baidu": "bd09", "bd09ll": "bd09", "epsg4490": "cgcs2000",
               "4490": "cgcs2000", "cgcs": "cgcs2000", "urnogcdefcrsogc1.3crs84": "wgs84", "crs84": "wgs84"}
    try:
        return Crs(aliases.get(key, key))
    except ValueError:
        raise ValueError(f"unknown coordinate system: {value}") from None


def _arr(value: ArrayLike) -> Floats:
    return np.asarray(value, dtype=np.float64)


def out_of_china(lng: ArrayLike, lat: ArrayLike) -> npt.NDArray[np.bool_]:
    """True where the point lies outside the box in which GCJ-02 applies an offset."""
    x, y = _arr(lng), _arr(lat)
    return (x < 72.004) | (x > 137.8347) | (y < 0.8293) | (y > 55.8271)


def _delta(lng: Floats, lat: Floats) -> tuple[Floats, Floats]:
    """GCJ-02 offset (degrees) at a WGS84 position."""
    x, y = lng - 105.0, lat - 35.0
    sx = np.sqrt(np.abs(x))
    common = (20.0 * np.sin(6.0 * x * math.pi) + 20.0 * np.sin(2.0 * x * math.pi)) * 2.0 / 3.0
    dlat = -100.0 + 2.0 * x + 3.0 * y + 0.2 * y * y + 0.1 * x * y + 0.2 * sx + common
    dlat += (20.0 * np.sin(y * math.pi) + 40.0 * np.sin(y / 3.0 * math.pi)) * 2.0 / 3.0
    dlat += (160.0 * np.sin(y / 12.0 * math.pi) + 320.0 * np.sin(y * math.pi / 30.0)) * 2.0 / 3.0
    dlng = 300.0 + x + 2.0 * y + 0.1 * x * x + 0.1 * x * y + 0.1 * sx + common
    dlng += (20.0 * np.sin(x * math.pi) + 40.0 * np.sin(x / 3.0 * math.pi)) * 2.0 / 3.0
    dlng += (150.0 * np.sin(x / 12.0 * math.pi) + 300.0 * np.sin(x / 30.0 * math.pi)) * 2.0 / 3.0
    rad = lat / 180.0 * math.pi
    magic = 1 - _EE * np.sin(rad) ** 2
    sqrt_magic = np.sqrt(magic)
    dlat = (dlat * 180.0) / ((_A * (1 - _EE)) / (magic * sqrt_magic) * math.pi)
    dlng = (dlng * 180.0) / (_A / sqrt_magic * np.cos(rad) * math.pi)
    outside = out_of_china(lng, lat)
    return np.where(outside, 0.0, dlng), np.where(outside, 0.0, dlat)


def wgs84_to_gcj02(lng: ArrayLike, lat: ArrayLike) -> tuple[Floats, Floats]:
    """WGS84 → GCJ-02 (the published forward formula)."""
    x, y = _arr(lng), _arr(lat)
    dlng, dlat = _delta(x, y)
    return x + dlng, y + dlat


def gcj02_to_wgs84(lng: ArrayLike, lat: ArrayLike) -> tuple[Floats, Floats]:
    """GCJ-02 → WGS84 by fixed-point iteration of the forward formula (error < 1e-9°)."""
    gx, gy = _arr(lng), _arr(lat)
    x, y = gx.copy(), gy.copy()
    for _ in range(30):
        fx, fy = wgs84_to_gcj02(x, y)
        ex, ey = fx - gx, fy - gy
        x, y = x - ex, y - ey
        if float(np.max(np.abs(ex), initial=0.0)) < 1e-10 and float(np.max(np.abs(ey), initial=0.0)) < 1e-10:
            break
    return x, y


def gcj02_to_bd09(lng: ArrayLike, lat: ArrayLike) -> tuple[Floats, Floats]:
    """GCJ-02 → BD-09 (Baidu)."""
    x, y = _arr(lng), _arr(lat)
    z = np.sqrt(x * x + y * y) + 0.00002 * np.sin(y * _X_PI)
    theta = np.arctan2(y, x) + 0.000003 * np.cos(x * _X_PI)
    return z * np.cos(theta) + 0.0065, z * np.sin(theta) + 0.006


def bd09_to_gcj02(lng: ArrayLike, lat: ArrayLike) -> tuple[Floats, Floats]:
    """BD-09 (Baidu) → GCJ-02: the published inverse, refined against the forward formula (~1e-6° → 1e-10°)."""
    bx, by = _arr(lng), _arr(lat)
    x, y = bx - 0.0065, by - 0.006
    z = np.sqrt(x * x + y * y) - 0.00002 * np.sin(y * _X_PI)
    theta = np.arctan2(y, x) - 0.000003 * np.cos(x * _X_PI)
    x, y = z * np.cos(theta), z * np.sin(theta)
    for _ in range(3):
        fx, fy = gcj02_to_bd09(x, y)
        x, y = x - (fx - bx), y - (fy - by)
    return x, y


@lru_cache(maxsize=2)
def _cgcs_transformer(inverse: bool) -> Transformer:
    src, dst = ("EPSG:4326", "EPSG:4490") if inverse else ("EPSG:4490", "EPSG:4326")
    return Transformer.from_crs(src, dst, always_xy=True)


def cgcs2000_to_wgs84(lng: ArrayLike, lat: ArrayLike) -> tuple[Floats, Floats]:
    """CGCS2000 → WGS84 through pyproj (centimetre-level identical at grid scale)."""
    x, y = _cgcs_transformer(False).transform(_arr(lng), _arr(lat))
    return _arr(x), _arr(y)


def to_wgs84(lng: ArrayLike, lat: ArrayLike, crs: Crs | str) -> tuple[Floats, Floats]:
    """Convert coordinates in `crs` to WGS84."""
    crs = parse_crs(crs) if not isinstance(crs, Crs) else crs
    if crs is Crs.GCJ02:
        return gcj02_to_wgs84(lng, lat)
    if crs is Crs.BD09:
        return gcj02_to_wgs84(*bd09_to_gcj02(lng, lat))
    if crs is Crs.CGCS2000:
        return cgcs2000_to_wgs84(lng, lat)
    return _arr(lng), _arr(lat)


def from_wgs84(lng: ArrayLike, lat: ArrayLike, crs: Crs | str) -> tuple[Floats, Floats]:
    """Convert WGS84 coordinates to `crs` (for exports to map providers)."""
    crs = parse_crs(crs) if not isinstance(crs, Crs) else crs
    if crs is Crs.GCJ02:
        return wgs84_to_gcj02(lng, lat)
    if crs is Crs.BD09:
        return gcj02_to_bd09(*wgs84_to_gcj02(lng, lat))
    if crs is Crs.CGCS2000:
        x, y = _cgcs_transformer(True).transform(_arr(lng), _arr(lat))
        return _arr(x), _arr(y)
    return _arr(lng), _arr(lat)


def geometry_to_wgs84(geom: BaseGeometry, crs: Crs | str) -> BaseGeometry:
    """A shapely geometry with every coordinate converted from `crs` to WGS84."""
    crs = parse_crs(crs) if not isinstance(crs, Crs) else crs
    if crs is Crs.WGS84:
        return geom

    def convert(coords: Floats) -> Floats:
        x, y = to_wgs84(coords[:, 0], coords[:, 1], crs)
        return np.column_stack([x, y])

    return shapely.transform(geom, convert)


def area_m2(geom: BaseGeometry) -> float:
    """Geodesic area on the WGS84 ellipsoid, in square metres."""
    if geom.is_empty:
        return 0.0
    area, _ = _GEOD.geometry_area_perimeter(shapely.orient_polygons(geom))
    return abs(float(area))


def ring_problems(geometry: dict[str, Any]) -> list[str]:
    """Problems of a GeoJSON (Multi)Polygon's rings before shapely repairs them silently (empty when fine)."""
    if not isinstance(geometry, dict):
        return ["not a GeoJSON geometry object"]
    kind = geometry.get("type")
    coords = geometry.get("coordinates")
    if kind not in {"Polygon", "MultiPolygon"}:
        return [f"geometry must be Polygon or MultiPolygon, got {kind}"]
    if not isinstance(coords, list | tuple):
        return ["coordinates missing"]
    polygons = [coords] if kind == "Polygon" else coords
    problems: list[str] = []
    for p, polygon in enumerate(polygons):
        if not isinstance(polygon, list | tuple) or not polygon:
            problems.append(f"polygon {p}: no rings")
            continue
        for r, ring in enumerate(polygon):
            problems += [f"polygon {p} ring {r}: {msg}" for msg in _ring_problems(ring)]
    return problems


def _ring_problems(ring: Any) -> list[str]:
    if not isinstance(ring, list | tuple) or not all(isinstance(pt, list | tuple) and len(pt) >= 2 for pt in ring):
        return ["positions must be [lng, lat] pairs"]
    if len(ring) < 4:
        return [f"needs at least 4 positions, has {len(ring)}"]
    if any(not all(isinstance(v, int | float) and math.isfinite(v) for v in pt[:2]) for pt in ring):
        return ["positions must be finite numbers"]
    problems = []
    if list(ring[0][:2]) != list(ring[-1][:2]):
        problems.append("ring is not closed (first and last positions differ)")
    if any(not (-180 <= pt[0] <= 180 and -90 <= pt[1] <= 90) for pt in ring):
        problems.append("coordinates out of range (expects lng, lat in degrees)")
    return problems


def validity_problem(geom: BaseGeometry) -> str | None:
    """Why a shapely geometry is invalid (self-intersection, …), or None."""
    if geom.is_empty:
        return "empty geometry"
    if shapely.is_valid(geom):
        return None
    return str(shapely.is_valid_reason(geom))
