"""Grid files on disk: GeoJSON always, Shapefile / GeoPackage / FlatGeobuf through pyogrio (the `gis` extra)."""

from __future__ import annotations

import json
import warnings
from pathlib import Path
from typing import Any

import numpy as np
import shapely
from pyproj import CRS, Transformer
from pyproj.exceptions import CRSError
from shapely.geometry import mapping, shape

from cityloop.areas.geo import parse_crs
from cityloop.kit.errors import ValidationFailed

GEOJSON_SUFFIXES = {".geojson", ".json"}
# Suffix → OGR driver for the formats read and written through pyogrio.
OGR_DRIVERS = {".shp": "ESRI Shapefile", ".gpkg": "GPKG", ".fgb": "FlatGeobuf", ".zip": "ESRI Shapefile"}
_TEXT_FIELDS = ("code", "name", "division_code", "status", "valid_from", "valid_to", "workers", "crs")
# Shapefile (dBase) field names stop at 10 characters: read the cut names back under their full names.
_DBF_NAMES = {"division_c": "division_code", "community_": "community_code"}


def is_supported(path: Path) -> bool:
    """True for a suffix CityLoop can read or write."""
    return path.suffix.lower() in GEOJSON_SUFFIXES | OGR_DRIVERS.keys()


def read_collection(path: Path) -> dict[str, Any]:
    """A GeoJSON FeatureCollection from any supported file; projected layers are reprojected to WGS84."""
    suffix = path.suffix.lower()
    if suffix in GEOJSON_SUFFIXES:
        return _read_geojson(path)
    if suffix not in OGR_DRIVERS:
        raise _unsupported(path)
    raw = _pyogrio().raw
    target = f"/vsizip/{path}" if suffix == ".zip" else str(path)
    meta, _fids, wkbs, fields = raw.read(target)
    geoms = shapely.from_wkb(np.asarray(wkbs, dtype=object))
    geoms, crs_hint = _geographic(geoms, meta.get("crs"))
    names = [_DBF_NAMES.get(str(n), str(n)) for n in meta["fields"]]
    features = [_feature(geom, {name: _plain(column[i]) for name, column in zip(names, fields, strict=True)})
                for i, geom in enumerate(geoms)]
    collection: dict[str, Any] = {"type": "FeatureCollection", "features": features}
    if crs_hint:
        collection["crs"] = crs_hint
    return collection


def write_collection(collection: dict[str, Any], path: Path) -> None:
    """Write a WGS84 FeatureCollection as GeoJSON, Shapefile, GeoPackage or FlatGeobuf (by suffix)."""
    suffix = path.suffix.lower()
    if suffix in GEOJSON_SUFFIXES:
        path.write_text(json.dumps(collection, ensure_ascii=False), encoding="utf-8")
        return
    driver = OGR_DRIVERS.get(suffix)
    if driver is None or suffix == ".zip":
        raise _unsupported(path)
    features = collection.get("features") or []
    geoms = np.array([shape(f["geometry"]) for f in features], dtype=object)
    fields = _columns([f.get("properties") or {} for f in features])
    with warnings.catch_warnings():
        # dBase cuts names to 10 characters; read_collection restores ours (_DBF_NAMES).
        warnings.filterwarnings("ignore", message="Normalized/laundered field name")
        _write(path, geoms, fields, driver)


def _write(path: Path, geoms: np.ndarray, fields: dict[str, np.ndarray], driver: str) -> None:
    names = list(fields)
    _pyogrio().raw.write(str(path), shapely.to_wkb(geoms), field_data=[fields[n] for n in names], fields=names,
                         geometry_type="Polygon" if driver == "ESRI Shapefile" else "Unknown", crs="EPSG:4326",
                         driver=driver, layer="grids", encoding="UTF-8" if driver == "ESRI Shapefile" else None)


def _read_geojson(path: Path) -> dict[str, Any]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as err:
        raise ValidationFailed({"file": (f"不是有效的 GeoJSON：{err}", f"not valid GeoJSON: {err}")}) from None
    return data if isinstance(data, dict) else {}


def _pyogrio() -> Any:
    try:
        import pyogrio
    except ImportError:
        raise ValidationFailed({"file": ("读取 Shapefile/GeoPackage 需要安装 cityloop[gis]（pyogrio）",
                                         "Shapefile/GeoPackage need the gis extra: pip install 'cityloop[gis]'")},
                               ) from None
    import pyogrio.raw

    return pyogrio


def _unsupported(path: Path) -> ValidationFailed:
    known = ", ".join(sorted(GEOJSON_SUFFIXES | OGR_DRIVERS.keys()))
    return ValidationFailed({"file": (f"不支持的文件类型 {path.suffix}（可用：{known}）",
                                      f"unsupported file type {path.suffix} (use one of {known})")})


def _geographic(geoms: np.ndarray, wkt_or_code: str | None) -> tuple[np.ndarray, str | None]:
    """Geometries in longitude/latitude plus the CRS hint for the importer (wgs84/cgcs2000/…)."""
    if not wkt_or_code:
        return geoms, None
    try:
        crs = CRS.from_user_input(wkt_or_code)
    except CRSError:
        raise ValidationFailed({"file": (f"无法识别坐标系 {wkt_or_code[:60]}",
                                         f"unknown coordinate system {wkt_or_code[:60]}")}) from None
    epsg = crs.to_epsg(min_confidence=70)
    if crs.is_geographic and epsg in (4326, 4490):
        return geoms, str(parse_crs(f"EPSG:{epsg}"))
    # Projected (e.g. CGCS2000 Gauss–Krüger zones, EPSG:4513–4554) or another datum: reproject to WGS84.
    transformer = Transformer.from_crs(crs, "EPSG:4326", always_xy=True)

    def convert(coords: np.ndarray) -> np.ndarray:
        x, y = transformer.transform(coords[:, 0], coords[:, 1])
        return np.column_stack([x, y])

    return shapely.transform(geoms, convert), "wgs84"


def _feature(geom: Any, props: dict[str, Any]) -> dict[str, Any]:
    return {"type": "Feature", "geometry": mapping(geom) if geom is not None else None, "properties": props}


def _plain(value: Any) -> Any:
    """numpy scalars and dates as JSON-friendly Python values; empty strings as None."""
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float):
        # Numbers come back as doubles from most drivers; level 5 must stay 5, not 5.0.
        return None if np.isnan(value) else int(value) if value.is_integer() else value
    if value == "":
        return None
    return value.isoformat() if hasattr(value, "isoformat") else value


def _columns(rows: list[dict[str, Any]]) -> dict[str, np.ndarray]:
    """Property columns: known text fields as strings (lists joined), numbers as float64."""
    names = [n for n in dict.fromkeys(k for row in rows for k in row)]
    columns: dict[str, np.ndarray] = {}
    for name in names:
        values = [row.get(name) for row in rows]
        if name not in _TEXT_FIELDS and all(isinstance(v, int) and not isinstance(v, bool) for v in values):
            columns[name] = np.array(values, dtype=np.int64)
        elif name not in _TEXT_FIELDS and all(isinstance(v, int | float) or v is None for v in values):
            columns[name] = np.array([np.nan if v is None else v for v in values], dtype=np.float64)
        else:
            columns[name] = np.array(["" if v is None else _text(v) for v in values], dtype=object)
    return columns


def _text(value: Any) -> str:
    return ",".join(str(v) for v in value) if isinstance(value, list) else str(value)
