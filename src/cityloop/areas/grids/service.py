"""Grid service: GeoJSON import/export, merge and split with history, worker assignment, validation report."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any

import shapely
from shapely.geometry import LineString, MultiPolygon, Polygon, shape
from shapely.geometry.base import BaseGeometry
from shapely.ops import split as split_geometry
from sqlalchemy.orm import Session

from cityloop.areas import repository as repo
from cityloop.areas.geo import area_m2, geometry_to_wgs84, parse_crs, ring_problems, to_wgs84, validity_problem
from cityloop.areas.grids import index as grid_index
from cityloop.areas.grids.models import UNIT_GRID_LEVEL, Grid, GridAction, GridChange, GridStatus, GridWorker
from cityloop.kit.auth import Role, Subject
from cityloop.kit.clock import utcnow
from cityloop.kit.errors import Conflict, Forbidden, NotFound, ValidationFailed

_CODE = re.compile(r"[0-9]{16}")
_DIVISION = re.compile(r"[0-9]{9}|[0-9]{12}")
# Relative area below which a difference is floating-point noise rather than a real overlap or gap.
_AREA_TOLERANCE = 1e-9
_MIN_REPORTED_M2 = 0.01


@dataclass
class FeatureError:
    """Why one feature (numbered from 1) of an import was rejected."""

    number: int
    code: str | None
    messages: list[tuple[str, str]]

    def to_dict(self) -> dict[str, Any]:
        """JSON form."""
        return {"feature": self.number, "code": self.code,
                "errors": [{"zh": zh, "en": en} for zh, en in self.messages]}


@dataclass
class ImportReport:
    """Outcome of a GeoJSON import."""

    created: list[str] = field(default_factory=list)
    errors: list[FeatureError] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        """JSON form."""
        return {"created": len(self.created), "codes": self.created, "errors": [e.to_dict() for e in self.errors]}


@dataclass
class _Row:
    number: int
    code: str
    name: str
    division_code: str
    level: int
    geom: BaseGeometry


def require_admin(subject: Subject) -> None:
    """Grid changes are an administrator's job."""
    if not subject.has(Role.ADMIN):
        raise Forbidden("只有管理员可以修改网格", "Only administrators may change grids")


# ------------------------------------------------------------------------------------------------ import


def import_geojson(session: Session, subject: Subject, collection: dict[str, Any], crs: str | None = None,
                   keep_good: bool = False) -> ImportReport:
    """Create grids from a FeatureCollection; all-or-nothing unless `keep_good` (then bad features are skipped)."""
    require_admin(subject)
    features = collection.get("features") if isinstance(collection, dict) else None
    if collection.get("type") != "FeatureCollection" or not isinstance(features, list):
        raise ValidationFailed({"file": ("不是 GeoJSON FeatureCollection", "Not a GeoJSON FeatureCollection")})
    default_crs = crs or _collection_crs(collection)
    report, rows = ImportReport(), []
    for number, feature in enumerate(features, start=1):
        row, messages = _parse_feature(number, feature, default_crs)
        if messages:
            report.errors.append(FeatureError(number, _feature_code(feature), messages))
        elif row is not None:
            rows.append(row)
    rows = _check_against_store(session, subject, rows, report)
    if report.errors and not keep_good:
        raise ValidationFailed({f"features[{e.number}]": _joined(e.messages) for e in report.errors})
    now = utcnow()
    for row in rows:
        session.add(_new_grid(row.code, row.name, row.division_code, row.geom, row.level, now))
        report.created.append(row.code)
    if rows:
        _record(session, subject, GridAction.CREATE, [], report.created, "GeoJSON import")
    session.commit()
    grid_index.invalidate()
    return report


def _collection_crs(collection: dict[str, Any]) -> str | None:
    hint = collection.get("crs")
    if isinstance(hint, dict):
        return str((hint.get("properties") or {}).get("name") or "") or None
    return str(hint) if hint else None


def _feature_code(feature: Any) -> str | None:
    props = feature.get("properties") if isinstance(feature, dict) else None
    return str(props["code"]) if isinstance(props, dict) and props.get("code") else None


def _joined(messages: list[tuple[str, str]]) -> tuple[str, str]:
    return "；".join(zh for zh, _ in messages), "; ".join(en for _, en in messages)


def _parse_feature(number: int, feature: Any, default_crs: str | None) -> tuple[_Row | None, list[tuple[str, str]]]:
    """One feature → a row, or the reasons it cannot be imported."""
    if not isinstance(feature, dict) or not isinstance(feature.get("geometry"), dict):
        return None, [("不是带几何的要素", "not a feature with a geometry")]
    raw_props = feature.get("properties")
    props: dict[str, Any] = raw_props if isinstance(raw_props, dict) else {}
    errors: list[tuple[str, str]] = []
    division_code = str(props.get("division_code") or props.get("community_code") or "")
    code = str(props.get("code") or "")
    if not code and _DIVISION.fullmatch(division_code) and str(props.get("seq", "")).isdigit():
        code = division_code.ljust(12, "0") + f"{int(props['seq']):04d}"
    if not division_code and _CODE.fullmatch(code):
        division_code = code[:12]
    if not _CODE.fullmatch(code):
        errors.append(("网格编码须为16位数字（或给出社区编码和序号）",
                       "code must be 16 digits (or give community_code and seq)"))
    if not _DIVISION.fullmatch(division_code):
        errors.append(("区划编码须为9位（街道）或12位（社区）", "division_code must have 9 (street) or 12 digits"))
    elif code and not code.startswith(division_code):
        errors.append(("网格编码与所属区划不符", "code does not start with its division code"))
    geom, geo_errors = _feature_geometry(feature["geometry"], str(props.get("crs") or default_crs or "wgs84"))
    errors += geo_errors
    if errors or geom is None:
        return None, errors
    name = str(props.get("name") or code)[:80]
    level = props.get("level") or UNIT_GRID_LEVEL
    if level not in (1, 2, 3, 4, 5):
        return None, [("层级须为1–5", "level must be 1–5")]
    return _Row(number, code, name, division_code, level, geom), []


def _feature_geometry(raw: dict[str, Any], crs_hint: str) -> tuple[BaseGeometry | None, list[tuple[str, str]]]:
    try:
        crs = parse_crs(crs_hint)
    except ValueError:
        return None, [(f"未知坐标系 {crs_hint}", f"unknown coordinate system {crs_hint}")]
    rings = ring_problems(raw)
    if rings:
        return None, [(f"几何错误：{p}", f"geometry: {p}") for p in rings]
    geom = _shape_or_none(raw)
    if geom is None:
        return None, [("无法读取几何", "unreadable geometry")]
    geom = geometry_to_wgs84(geom, crs)
    reason = validity_problem(geom)
    if reason:
        return None, [(f"几何无效：{reason}", f"invalid geometry: {reason}")]
    return geom, []


def _shape_or_none(raw: Any) -> BaseGeometry | None:
    """A shapely geometry from GeoJSON, or None when it cannot be built."""
    try:
        return shape(raw)
    except (ValueError, TypeError, KeyError, AttributeError, IndexError, shapely.errors.ShapelyError):
        return None


def _check_against_store(session: Session, subject: Subject, rows: list[_Row], report: ImportReport) -> list[_Row]:
    """Drop rows whose code repeats or already exists or whose division is unknown, recording why."""
    known = repo.existing_divisions(session, {r.division_code for r in rows})
    taken = {c for r in rows for c in repo.taken_codes(session, subject, r.code)}
    seen: set[str] = set()
    good = []
    for row in rows:
        messages = []
        if row.division_code not in known:
            messages.append((f"区划 {row.division_code} 不存在或不在辖区内",
                             f"division {row.division_code} is unknown or outside your area"))
        if row.code in taken:
            messages.append((f"网格编码 {row.code} 已存在", f"grid code {row.code} already exists"))
        if row.code in seen:
            messages.append((f"网格编码 {row.code} 在文件中重复", f"grid code {row.code} repeats in the file"))
        seen.add(row.code)
        if messages:
            report.errors.append(FeatureError(row.number, row.code, messages))
        else:
            good.append(row)
    report.errors.sort(key=lambda e: e.number)
    return good


def _new_grid(code: str, name: str, division_code: str, geom: BaseGeometry, level: int, at: Any) -> Grid:
    min_lng, min_lat, max_lng, max_lat = geom.bounds
    return Grid(code=code, name=name, level=level, division_code=division_code, geometry=shapely.to_geojson(geom),
                min_lng=min_lng, min_lat=min_lat, max_lng=max_lng, max_lat=max_lat, area_m2=area_m2(geom),
                status=GridStatus.ACTIVE, valid_from=at)


def _record(session: Session, subject: Subject, action: GridAction, from_codes: list[str], to_codes: list[str],
            note: str) -> None:
    session.add(GridChange(action=action, from_codes=from_codes, to_codes=to_codes,
                           actor_id=subject.id if subject.kind == "user" else None, actor_name=subject.name,
                           at=utcnow(), note=note[:500]))


def create_grids(session: Session, subject: Subject, items: list[tuple[str, str, str, BaseGeometry]],
                 note: str = "") -> list[Grid]:
    """Create grids from (code, name, division_code, geometry) with one history entry; the caller commits."""
    now = utcnow()
    created = [_new_grid(code, name, division, geom, UNIT_GRID_LEVEL, now) for code, name, division, geom in items]
    session.add_all(created)
    if created:
        _record(session, subject, GridAction.CREATE, [], [g.code for g in created], note)
    grid_index.invalidate()
    return created


def next_code(session: Session, subject: Subject, division_code: str) -> str:
    """The next unused 16-digit code in a community (or street, with community part 000)."""
    prefix = division_code.ljust(12, "0")
    taken = repo.taken_codes(session, subject, prefix)
    seq = max((int(c[12:]) for c in taken), default=0) + 1
    if seq > 9999:
        raise Conflict(f"{division_code} 的网格编码已用尽", f"No grid codes left in {division_code}")
    return f"{prefix}{seq:04d}"


# ------------------------------------------------------------------------------------------------ export


def shape_of(grid: Grid) -> BaseGeometry:
    """The grid's polygon as a shapely geometry (WGS84)."""
    return shape(json.loads(grid.geometry))


def feature(grid: Grid, workers: list[int] | None = None) -> dict[str, Any]:
    """A grid as a GeoJSON Feature."""
    props: dict[str, Any] = {"code": grid.code, "name": grid.name, "level": grid.level,
                             "division_code": grid.division_code, "status": grid.status,
                             "area_m2": round(grid.area_m2, 1), "valid_from": grid.valid_from.isoformat(),
                             "valid_to": grid.valid_to.isoformat() if grid.valid_to else None}
    if workers is not None:
        props["workers"] = workers
    return {"type": "Feature", "geometry": json.loads(grid.geometry), "properties": props}


def export_geojson(session: Session, subject: Subject, division_prefix: str | None = None,
                   include_retired: bool = False) -> dict[str, Any]:
    """Visible grids as a WGS84 FeatureCollection (re-importable)."""
    grids = repo.list_grids(session, subject, division_prefix, include_retired)
    workers = repo.workers_of(session, [g.code for g in grids])
    return {"type": "FeatureCollection", "features": [feature(g, workers[g.code]) for g in grids]}


def get(session: Session, subject: Subject, code: str) -> dict[str, Any]:
    """One grid (active or retired) as a Feature with its workers and history."""
    grid = repo.get_grid(session, subject, code)
    if grid is None:
        raise NotFound(f"网格 {code} 不存在", f"Grid {code} not found")
    out = feature(grid, repo.workers_of(session, [code])[code])
    out["properties"]["history"] = [
        {"action": c.action, "from": c.from_codes, "to": c.to_codes, "at": c.at.isoformat(), "by": c.actor_name,
         "note": c.note} for c in repo.history_of(session, code)]
    return out


# ------------------------------------------------------------------------------------------------ changes


def _active(session: Session, subject: Subject, codes: list[str]) -> list[Grid]:
    grids = repo.grids_by_codes(session, subject, sorted(set(codes)))
    missing = sorted(set(codes) - {g.code for g in grids})
    if missing:
        raise NotFound(f"网格不存在：{', '.join(missing)}", f"Grids not found: {', '.join(missing)}")
    retired = [g.code for g in grids if not g.is_active]
    if retired:
        raise Conflict(f"网格已撤销：{', '.join(retired)}", f"Grids already retired: {', '.join(retired)}")
    return grids


def merge(session: Session, subject: Subject, codes: list[str], name: str | None = None,
          note: str = "") -> Grid:
    """Merge adjacent grids of one division into a new grid; the old ones are retired, workers carried over."""
    require_admin(subject)
    if len(set(codes)) < 2:
        raise ValidationFailed({"codes": ("至少选择两个网格", "Choose at least two grids")})
    grids = _active(session, subject, codes)
    if len({g.division_code for g in grids}) != 1:
        raise Conflict("只能合并同一社区的网格", "Only grids of one community can be merged")
    union = shapely.union_all([shape_of(g) for g in grids])
    if not isinstance(union, Polygon):
        raise Conflict("网格不相邻，合并后不是一个多边形", "The grids are not adjacent; the union is not one polygon")
    now = utcnow()
    new = _new_grid(next_code(session, subject, grids[0].division_code), name or f"{grids[0].name}（合并）",
                    grids[0].division_code, union, UNIT_GRID_LEVEL, now)
    session.add(new)
    _replace(session, subject, grids, [new], GridAction.MERGE, note, now)
    return new


def split(session: Session, subject: Subject, code: str, line: dict[str, Any] | None = None,
          parts: list[dict[str, Any]] | None = None, names: list[str] | None = None, note: str = "") -> list[Grid]:
    """Split a grid by a line or into given polygons (which must tile it); new codes, old grid retired."""
    require_admin(subject)
    (grid,) = _active(session, subject, [code])
    original = shape_of(grid)
    pieces = _pieces_by_line(original, line) if line is not None else _pieces_given(original, parts or [])
    now = utcnow()
    new_grids = []
    for i, piece in enumerate(pieces):
        piece_name = names[i] if names and i < len(names) else f"{grid.name}-{i + 1}"
        new = _new_grid(next_code(session, subject, grid.division_code), piece_name, grid.division_code, piece,
                        grid.level, now)
        session.add(new)
        session.flush()  # the next code must see this one
        new_grids.append(new)
    _replace(session, subject, [grid], new_grids, GridAction.SPLIT, note, now)
    return new_grids


def _pieces_by_line(original: BaseGeometry, line: dict[str, Any]) -> list[BaseGeometry]:
    cutter = _shape_or_none(line)
    if not isinstance(cutter, LineString) or not cutter.is_valid:
        raise ValidationFailed({"line": ("分割线须为 LineString", "line must be a LineString")})
    pieces = [g for g in split_geometry(original, cutter).geoms if isinstance(g, Polygon) and g.area > 0]
    if len(pieces) < 2:
        raise ValidationFailed({"line": ("分割线没有把网格分成两块以上", "The line does not cut the grid in two")})
    return sorted(pieces, key=lambda p: (-p.centroid.y, p.centroid.x))


def _pieces_given(original: BaseGeometry, parts: list[dict[str, Any]]) -> list[BaseGeometry]:
    if len(parts) < 2:
        raise ValidationFailed({"parts": ("至少给出两个多边形", "Give at least two polygons")})
    pieces = []
    for i, raw in enumerate(parts):
        problems = ring_problems(raw)
        geom = _shape_or_none(raw) if not problems else None
        reason = problems[0] if problems else validity_problem(geom) if geom is not None else "unreadable"
        if reason or not isinstance(geom, Polygon | MultiPolygon):
            reason = reason or "not a polygon"
            raise ValidationFailed({f"parts[{i}]": (f"多边形无效：{reason}", f"invalid polygon: {reason}")})
        pieces.append(geom)
    overlap = sum(shapely.intersection(a, b).area for i, a in enumerate(pieces) for b in pieces[i + 1:])
    leftover = shapely.symmetric_difference(original, shapely.union_all(pieces)).area
    if overlap > _AREA_TOLERANCE * original.area or leftover > _AREA_TOLERANCE * original.area:
        raise ValidationFailed({"parts": ("各部分须恰好拼成原网格，且互不重叠",
                                          "The parts must tile the grid exactly, without overlaps")})
    return pieces


def _replace(session: Session, subject: Subject, old: list[Grid], new: list[Grid], action: GridAction, note: str,
             at: Any) -> None:
    """Retire `old`, give `new` the old grids' workers, record the change, commit, then re-grid elements."""
    workers = repo.workers_of(session, [g.code for g in old])
    users = sorted({u for ids in workers.values() for u in ids})
    for grid in old:
        grid.retire(at)
    session.flush()
    for grid in new:
        session.add_all(GridWorker(grid_code=grid.code, user_id=u, assigned_at=at) for u in users)
    _record(session, subject, action, [g.code for g in old], [g.code for g in new], note)
    session.commit()
    grid_index.invalidate()
    # Elements and standard addresses follow their points into the new grids (cases keep the grid they were filed
    # in). A failure here leaves them in the retired grids, where `cityloop elements regrid` picks them up.
    from cityloop.areas.elements import service as elements

    elements.regrid(session, subject, [g.code for g in old])


def assign_worker(session: Session, subject: Subject, code: str, user_id: int) -> None:
    """Assign a grid worker to an active grid (idempotent)."""
    require_admin(subject)
    _active(session, subject, [code])
    if user_id not in repo.workers_of(session, [code])[code]:
        session.add(GridWorker(grid_code=code, user_id=user_id, assigned_at=utcnow()))
        session.commit()


def lookup(session: Session, subject: Subject, lng: float, lat: float, crs: str = "wgs84") -> dict[str, Any] | None:
    """The visible active grid at a point (coordinates in `crs`), or None."""
    try:
        x, y = to_wgs84(lng, lat, parse_crs(crs))
    except ValueError:
        raise ValidationFailed({"crs": (f"未知坐标系 {crs}", f"unknown coordinate system {crs}")}) from None
    found = grid_index.lookup(session, float(x), float(y))
    if found is None or repo.get_grid(session, subject, found[0]) is None:
        return None
    return {"grid_code": found[0], "division_code": found[1], "lng": float(x), "lat": float(y)}



# ------------------------------------------------------------------------------------------------ validation


def validation_report(session: Session, subject: Subject, division_prefix: str | None = None) -> dict[str, Any]:
    """Overlaps between active grids, holes inside each community's grids, and invalid rings."""
    grids = repo.list_grids(session, subject, division_prefix)
    geoms = [shape_of(g) for g in grids]
    invalid = [{"code": g.code, "reason": r} for g, geom in zip(grids, geoms, strict=True)
               if (r := validity_problem(geom))]
    return {"grids": len(grids), "overlaps": _overlaps(grids, geoms), "gaps": _gaps(grids, geoms),
            "invalid": invalid}


def _overlaps(grids: list[Grid], geoms: list[BaseGeometry]) -> list[dict[str, Any]]:
    if not geoms:
        return []
    tree = shapely.STRtree(geoms)
    left, right = tree.query(geoms, predicate="intersects")
    keep = left < right
    found = []
    for i, j in zip(left[keep], right[keep], strict=True):
        shared = shapely.intersection(geoms[i], geoms[j])
        area = area_m2(shared) if shared.area > 0 else 0.0
        if area > _MIN_REPORTED_M2:
            found.append({"a": grids[i].code, "b": grids[j].code, "area_m2": round(area, 2),
                          "geometry": json.loads(shapely.to_geojson(shared))})
    return found


def _gaps(grids: list[Grid], geoms: list[BaseGeometry]) -> list[dict[str, Any]]:
    """Holes in the union of each community's grids (no community polygon is stored, so the union stands in)."""
    by_division: dict[str, list[BaseGeometry]] = {}
    for grid, geom in zip(grids, geoms, strict=True):
        by_division.setdefault(grid.division_code, []).append(geom)
    found = []
    for division_code, parts in sorted(by_division.items()):
        union = shapely.union_all(parts)
        polygons = list(union.geoms) if isinstance(union, MultiPolygon) else [union]
        holes = [Polygon(ring) for p in polygons if isinstance(p, Polygon) for ring in p.interiors]
        holes = [h for h in holes if area_m2(h) > _MIN_REPORTED_M2]
        if holes or len(polygons) > 1:
            found.append({"division_code": division_code, "holes": len(holes), "pieces": len(polygons),
                          "area_m2": round(sum(area_m2(h) for h in holes), 2),
                          "geometry": [json.loads(shapely.to_geojson(h)) for h in holes]})
    return found
