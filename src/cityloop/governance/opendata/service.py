"""Open datasets: their metadata, their tables (k-anonymous where they count cases) and their files."""

from __future__ import annotations

import json
import threading
import time
from dataclasses import dataclass, field
from datetime import date, datetime
from functools import cache
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session

from cityloop.config import get_settings
from cityloop.governance.opendata import repository
from cityloop.kit.clock import to_local, utcnow
from cityloop.kit.db import cache_clearers
from cityloop.kit.errors import NotFound
from cityloop.kit.spreadsheet import MEDIA, safe_cell, to_bytes

DATA = Path(__file__).parent / "data" / "datasets.json"
FORMAT_MEDIA = {**MEDIA, "geojson": "application/geo+json"}
CACHE_SECONDS = 300.0


@dataclass(frozen=True)
class Dataset:
    """One published dataset as described in `data/datasets.json`."""

    id: str
    title: str
    title_en: str
    description: str
    description_en: str
    theme: str
    keywords: tuple[str, ...]
    periodicity: str
    formats: tuple[str, ...]
    temporal: bool


@dataclass
class OpenTable:
    """A dataset's rows (plain values), its coverage and, for spatial data, GeoJSON features."""

    header: list[str]
    rows: list[list[Any]]
    features: list[dict[str, Any]] | None = None
    start: date | None = None
    end: date | None = None
    built_at: datetime = field(default_factory=lambda: to_local(utcnow()))


@cache
def datasets() -> tuple[Dataset, ...]:
    """Every published dataset, in catalogue order."""
    raw = json.loads(DATA.read_text(encoding="utf-8"))
    return tuple(Dataset(**{**d, "keywords": tuple(d["keywords"]), "formats": tuple(d["formats"])}) for d in raw)


def dataset(dataset_id: str) -> Dataset:
    """One dataset by id, or NotFound."""
    for d in datasets():
        if d.id == dataset_id:
            return d
    raise NotFound("没有这个开放数据集", "No such open dataset")


def case_stats(session: Session, k: int) -> OpenTable:
    """Monthly cases and closures by district and top-level category; a count below `k` is never published."""
    roots = repository.category_roots(session)
    cells: dict[tuple[str, str, str], list[int]] = {}
    for month, district, category, cases, closed in repository.monthly_case_counts(session):
        root = roots.get(category, (category or "", "未分类", "Unclassified"))[0] if category else ""
        cell = cells.setdefault((month, district, root), [0, 0])
        cell[0] += cases
        cell[1] += closed
    names = repository.division_names(session, {d for _m, d, _c in cells})
    root_names = {code: (zh, en) for code, zh, en in roots.values()}
    rows = []
    for (month, district, root), (cases, closed) in sorted(cells.items()):
        if cases < k:
            continue  # a small cell could single out the people behind it
        zh, en = root_names.get(root, ("未分类", "Unclassified"))
        rows.append([month, district, names.get(district, ""), root, zh, en, cases, closed if closed >= k else None])
    first, last = repository.received_span(session)
    header = ["month", "district_code", "district_name", "category_code", "category_name", "category_name_en",
              "cases", "closed"]
    return OpenTable(header, rows, start=to_local(first).date() if first else None,
                     end=to_local(last).date() if last else None)


def service_items(session: Session, k: int) -> OpenTable:
    """Active service items."""
    rows = repository.service_item_rows(session)
    header = list(rows[0]) if rows else ["code", "name", "item_type", "service_object", "unit_name",
                                         "division_code", "legal_days", "promised_days", "fees", "enquiry_phone",
                                         "channels"]
    return OpenTable(header, [[r[h] for h in header] for r in rows])


def service_places(session: Session, k: int) -> OpenTable:
    """Service places, with points."""
    rows = repository.place_rows(session)
    header = ["code", "name", "level", "address", "division_code", "lng", "lat", "hours", "phone"]
    features = [{"type": "Feature", "id": r["code"], "geometry": {"type": "Point", "coordinates": [r["lng"], r["lat"]]},
                 "properties": {h: r[h] for h in header if h not in ("lng", "lat")}} for r in rows]
    return OpenTable(header, [[r[h] for h in header] for r in rows], features)


def grids(session: Session, k: int) -> OpenTable:
    """Grids in use with their boundaries; never their workers."""
    header = ["code", "name", "level", "division_code", "area_m2", "min_lng", "min_lat", "max_lng", "max_lat"]
    rows, features = [], []
    for g in repository.active_grids(session):
        row = [g.code, g.name, g.level, g.division_code, round(g.area_m2, 1), g.min_lng, g.min_lat, g.max_lng,
               g.max_lat]
        rows.append(row)
        features.append({"type": "Feature", "id": g.code, "geometry": json.loads(g.geometry),
                         "properties": dict(zip(header[:5], row[:5], strict=True))})
    return OpenTable(header, rows, features)


BUILDERS = {"case-stats-monthly": case_stats, "service-items": service_items, "service-places": service_places,
            "grids": grids}
_cache: dict[tuple[str, str], tuple[float, OpenTable]] = {}
_lock = threading.Lock()


def table(session: Session, dataset_id: str) -> OpenTable:
    """A dataset's current table, rebuilt at most every five minutes (a portal's harvester polls often)."""
    dataset(dataset_id)
    key = (str(session.get_bind().engine.url), dataset_id)
    now = time.monotonic()
    with _lock:
        hit = _cache.get(key)
    if hit and now - hit[0] < CACHE_SECONDS:
        return hit[1]
    built = BUILDERS[dataset_id](session, get_settings().open_data_k)
    with _lock:
        _cache[key] = (now, built)
    return built


def clear_cache() -> None:
    """Forget built tables (tests, and after an import that should show at once)."""
    with _lock:
        _cache.clear()


cache_clearers.append(clear_cache)


def encode(dataset_id: str, built: OpenTable, fmt: str) -> tuple[bytes, str]:
    """The file of one distribution and its media type."""
    if fmt not in dataset(dataset_id).formats:
        raise NotFound("这个数据集没有该格式", "This dataset is not published in that format")
    if fmt == "geojson":
        collection = {"type": "FeatureCollection", "features": built.features or []}
        return json.dumps(collection, ensure_ascii=False).encode("utf-8"), FORMAT_MEDIA[fmt]
    rows = [[safe_cell(v) for v in row] for row in built.rows]
    return to_bytes(built.header, rows, fmt, sheet=dataset_id[:31]), FORMAT_MEDIA[fmt]
