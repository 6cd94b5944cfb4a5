"""Demo grids: street areas from a Voronoi tiling of street centres, cut into communities and then unit grids."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

import shapely
from shapely.geometry import MultiPoint, Polygon
from shapely.geometry.base import BaseGeometry
from sqlalchemy.orm import Session

from cityloop.areas import repository as repo
from cityloop.areas.divisions.models import Division
from cityloop.areas.grids import service as grids
from cityloop.areas.grids.models import GridWorker
from cityloop.kit.auth import SYSTEM
from cityloop.kit.clock import utcnow

GRIDS_PER_COMMUNITY = 4
# Streets without a known centre are placed inside this box (the brief's Hangzhou window).
_WINDOW = (120.05, 30.20, 120.25, 30.35)
_MARGIN = (0.03, 0.025)  # beyond the outermost street centres, so every demo case point lands in a grid


@dataclass(frozen=True)
class _Street:
    code: str
    lng: float
    lat: float
    communities: list[Division]


def _centre(code: str) -> tuple[float, float]:
    """Known demo street centre, else a stable pseudo-random spot in the window."""
    try:
        from cityloop.cases.demo.texts import STREETS

        known = {s.code: (s.lng, s.lat) for s in STREETS}
    except ImportError:
        known = {}
    if code in known:
        return known[code]
    digest = hashlib.sha256(code.encode()).digest()
    fx, fy = int.from_bytes(digest[:4]) / 2**32, int.from_bytes(digest[4:8]) / 2**32
    return _WINDOW[0] + fx * (_WINDOW[2] - _WINDOW[0]), _WINDOW[1] + fy * (_WINDOW[3] - _WINDOW[1])


def _streets(session: Session, prefix: str) -> list[_Street]:
    by_street: dict[str, list[Division]] = {}
    for community in repo.communities(session, prefix):
        by_street.setdefault(community.code[:9], []).append(community)
    return [_Street(code, *_centre(code), members) for code, members in sorted(by_street.items())]


def _street_areas(streets: list[_Street]) -> list[BaseGeometry]:
    """One Voronoi cell per street centre, clipped to the centres' bbox plus a margin."""
    xs, ys = [s.lng for s in streets], [s.lat for s in streets]
    frame = shapely.box(min(xs) - _MARGIN[0], min(ys) - _MARGIN[1], max(xs) + _MARGIN[0], max(ys) + _MARGIN[1])
    if len(streets) == 1:
        return [frame]
    cells = shapely.voronoi_polygons(MultiPoint(list(zip(xs, ys, strict=True))), extend_to=frame, ordered=True)
    return [shapely.intersection(cell, frame) for cell in cells.geoms]


def _strips(area: BaseGeometry, n: int, vertical: bool) -> list[BaseGeometry]:
    """`n` pieces of a convex area cut by equally spaced lines (vertical or horizontal)."""
    x0, y0, x1, y1 = area.bounds
    cuts = [(x0 + (x1 - x0) * i / n) if vertical else (y0 + (y1 - y0) * i / n) for i in range(n + 1)]
    pieces = []
    for a, b in zip(cuts, cuts[1:], strict=False):
        strip = shapely.box(a, y0 - 1, b, y1 + 1) if vertical else shapely.box(x0 - 1, a, x1 + 1, b)
        pieces.append(shapely.intersection(area, strip))
    return pieces


def seed_grids(session: Session, division_prefix: str = "") -> int:
    """Tile every community under `division_prefix` with unit grids and assign the streets' grid workers."""
    streets = _streets(session, division_prefix)
    if not streets:
        return 0
    items: list[tuple[str, str, str, BaseGeometry]] = []
    for street, area in zip(streets, _street_areas(streets), strict=True):
        for community, piece in zip(street.communities, _strips(area, len(street.communities), True), strict=True):
            for seq, cell in enumerate(_strips(piece, GRIDS_PER_COMMUNITY, False), start=1):
                if isinstance(cell, Polygon) and not cell.is_empty:
                    items.append((f"{community.code}{seq:04d}", f"{community.short_name or community.name}"
                                  f"第{seq}网格", community.code, cell))
    created = grids.create_grids(session, SYSTEM, items, "demo city")
    session.flush()
    _assign_workers(session, [g.code for g in created])
    session.commit()
    return len(created)


def _assign_workers(session: Session, codes: list[str]) -> None:
    """Round-robin each street's grid workers over the street's grids."""
    workers = repo.grid_workers_by_scope(session)
    now = utcnow()
    for i, code in enumerate(codes):
        scope = next((s for s in (code[:9], code[:6]) if s in workers), None)
        if scope is not None:
            users = workers[scope]
            session.add(GridWorker(grid_code=code, user_id=users[i % len(users)], assigned_at=now))
