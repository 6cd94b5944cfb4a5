"""Point → grid lookup: a per-process shapely STRtree over active grids, and the same query through PostGIS.

Rule shared by both paths: a point belongs to the active grid with the smallest code among those that intersect it.
In a proper tiling that is the grid containing the point (ST_Contains); a point exactly on a shared edge, which
neither side contains, goes to the smaller code, so every point of a tiling finds exactly one grid.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt
import shapely
from shapely.geometry import shape
from sqlalchemy import bindparam, func, select, text
from sqlalchemy.dialects.postgresql import ARRAY, DOUBLE_PRECISION
from sqlalchemy.orm import Session

from cityloop.areas.grids.models import Grid, GridStatus
from cityloop.kit.table_cache import TableCache

NO_GRID = -1


_SMALL_BATCH = 2_000  # below this, querying the STRtree is cheaper than the lattice
_CELLS_PER_GRID = 6  # lattice cells across a typical grid: finer means more cells answered without a test
_MAX_CELLS = 1 << 21
_MIXED = -2


@dataclass(frozen=True)
class _Lattice:
    """A uniform lattice over the grids' extent: cells inside one grid answer directly, others list candidates."""

    x0: float
    y0: float
    size: float
    nx: int
    ny: int
    owner: npt.NDArray[np.intp]  # per cell: grid position, NO_GRID, or _MIXED (test the candidates)
    starts: npt.NDArray[np.intp]  # CSR offsets of each cell's candidate grids in `candidates`
    candidates: npt.NDArray[np.intp]

    @classmethod
    def build(cls, geoms: npt.NDArray[np.object_]) -> _Lattice:
        """Classify every (cell, grid) pair whose bboxes meet: the grid misses, covers or cuts the cell."""
        bounds = shapely.bounds(geoms)
        x0, y0 = float(bounds[:, 0].min()), float(bounds[:, 1].min())
        width, height = float(bounds[:, 2].max()) - x0, float(bounds[:, 3].max()) - y0
        extent = float(np.median(np.maximum(bounds[:, 2] - bounds[:, 0], bounds[:, 3] - bounds[:, 1])))
        # The odd factor keeps lattice lines off round coordinates that grid edges often sit on.
        size = max(extent / _CELLS_PER_GRID, 1e-9) * 1.0000137
        while (width / size + 1) * (height / size + 1) > _MAX_CELLS:
            size *= 1.5
        nx, ny = int(width / size) + 1, int(height / size) + 1
        grid_ids, cells = _cover_pairs(bounds, x0, y0, size, nx, ny)
        cx, cy = (cells % nx).astype(np.float64), (cells // nx).astype(np.float64)
        # Boxes grown by a hair so a point rounded into a neighbouring cell is still judged correctly.
        eps = size * 1e-6
        boxes = shapely.box(x0 + cx * size - eps, y0 + cy * size - eps, x0 + (cx + 1) * size + eps,
                            y0 + (cy + 1) * size + eps)
        meets = shapely.intersects(geoms[grid_ids], boxes)
        covers = np.zeros(len(meets), dtype=bool)
        covers[meets] = shapely.covers(geoms[grid_ids[meets]], boxes[meets])
        grid_ids, cells, covers = grid_ids[meets], cells[meets], covers[meets]
        order = np.lexsort((grid_ids, cells))
        grid_ids, cells, covers = grid_ids[order], cells[order], covers[order]
        count = np.bincount(cells, minlength=nx * ny)
        starts = np.concatenate(([0], np.cumsum(count))).astype(np.intp)
        owner = np.where(count == 0, NO_GRID, _MIXED).astype(np.intp)
        single = (count[cells] == 1) & covers
        owner[cells[single]] = grid_ids[single]
        return cls(x0, y0, size, nx, ny, owner, starts, grid_ids.astype(np.intp))

    def cell_of(self, x: npt.NDArray[np.float64], y: npt.NDArray[np.float64]) -> npt.NDArray[np.intp]:
        """Row-major cell of each point; -1 outside the lattice."""
        cx = np.floor((x - self.x0) / self.size)
        cy = np.floor((y - self.y0) / self.size)
        inside = (cx >= 0) & (cx < self.nx) & (cy >= 0) & (cy < self.ny)
        return np.where(inside, cy * self.nx + cx, -1).astype(np.intp)


def _cover_pairs(bounds: npt.NDArray[np.float64], x0: float, y0: float, size: float, nx: int,
                 ny: int) -> tuple[npt.NDArray[np.intp], npt.NDArray[np.intp]]:
    """Every (grid, cell) pair where the cell lies in the grid's bbox, built without a Python loop."""
    cx0 = np.clip(((bounds[:, 0] - x0) / size).astype(np.intp), 0, nx - 1)
    cx1 = np.clip(((bounds[:, 2] - x0) / size).astype(np.intp), 0, nx - 1)
    cy0 = np.clip(((bounds[:, 1] - y0) / size).astype(np.intp), 0, ny - 1)
    cy1 = np.clip(((bounds[:, 3] - y0) / size).astype(np.intp), 0, ny - 1)
    w, h = cx1 - cx0 + 1, cy1 - cy0 + 1
    n = w * h
    grid_ids = np.repeat(np.arange(len(bounds), dtype=np.intp), n)
    k = np.arange(int(n.sum()), dtype=np.intp) - np.repeat(np.cumsum(n) - n, n)
    ww = np.repeat(w, n)
    cells = (np.repeat(cy0, n) + k // ww) * nx + np.repeat(cx0, n) + k % ww
    return grid_ids, cells


@dataclass
class GridIndex:
    """Active grids (sorted by code), an STRtree over their polygons and, for big batches, a lattice."""

    codes: npt.NDArray[np.str_]
    division_codes: npt.NDArray[np.str_]
    geoms: npt.NDArray[np.object_]
    tree: shapely.STRtree
    _lattice: _Lattice | None = None

    @classmethod
    def build(cls, rows: list[tuple[str, str, Any]]) -> GridIndex:
        """Index `(code, division_code, shapely geometry)` rows."""
        rows = sorted(rows, key=lambda r: r[0])
        geoms = np.array([r[2] for r in rows], dtype=object)
        shapely.prepare(geoms)
        return cls(np.array([r[0] for r in rows], dtype=str), np.array([r[1] for r in rows], dtype=str),
                   geoms, shapely.STRtree(geoms))

    def __len__(self) -> int:
        """Number of indexed grids."""
        return len(self.codes)

    @property
    def lattice(self) -> _Lattice:
        """The batch lattice, built on first use (single lookups at intake never need it)."""
        if self._lattice is None:
            self._lattice = _Lattice.build(self.geoms)
        return self._lattice

    def positions(self, lngs: npt.ArrayLike, lats: npt.ArrayLike) -> npt.NDArray[np.intp]:
        """For each point, the position of its grid in `codes` (NO_GRID when outside every grid)."""
        x, y = np.asarray(lngs, dtype=np.float64).ravel(), np.asarray(lats, dtype=np.float64).ravel()
        if not len(self.codes) or not len(x):
            return np.full(len(x), NO_GRID, dtype=np.intp)
        if len(x) < _SMALL_BATCH:
            return self.tree_positions(x, y)
        return self.lattice_positions(x, y)

    def tree_positions(self, x: npt.NDArray[np.float64], y: npt.NDArray[np.float64]) -> npt.NDArray[np.intp]:
        """STRtree query with an `intersects` predicate (the reference implementation)."""
        out = np.full(len(x), NO_GRID, dtype=np.intp)
        point_idx, grid_idx = self.tree.query(shapely.points(x, y), predicate="intersects")
        if len(point_idx) and int(np.bincount(point_idx).max()) > 1:
            # Edge points hit two grids: keep the smallest position, which is the smallest code (codes are sorted).
            order = np.lexsort((grid_idx, point_idx))
            point_idx, grid_idx = _first_per_point(point_idx[order], grid_idx[order])
        out[point_idx] = grid_idx
        return out

    def lattice_positions(self, x: npt.NDArray[np.float64], y: npt.NDArray[np.float64]) -> npt.NDArray[np.intp]:
        """Vectorised batch lookup: most points are answered by their cell; the rest test a few candidates.

        Building a million shapely Points would cost more than the whole lookup, so points stay coordinates.
        """
        lat = self.lattice
        cell = lat.cell_of(x, y)
        out = np.where(cell >= 0, lat.owner[cell], NO_GRID)
        mixed = np.flatnonzero(out == _MIXED)
        out[mixed] = NO_GRID
        if not len(mixed):
            return out
        mc = cell[mixed]
        n = lat.starts[mc + 1] - lat.starts[mc]
        pair_point = np.repeat(mixed, n)
        k = np.arange(int(n.sum()), dtype=np.intp) - np.repeat(np.cumsum(n) - n, n)
        pair_grid = lat.candidates[np.repeat(lat.starts[mc], n) + k]
        hit = shapely.intersects_xy(self.geoms[pair_grid], x[pair_point], y[pair_point])
        # Candidates are sorted by position within a cell, so the first hit per point is the smallest code.
        point_idx, grid_idx = _first_per_point(pair_point[hit], pair_grid[hit])
        out[point_idx] = grid_idx
        return out

    def lookup_many(self, lngs: npt.ArrayLike, lats: npt.ArrayLike) -> list[str | None]:
        """Grid codes for many points (None where no grid)."""
        pos = self.positions(lngs, lats)
        return [None if p == NO_GRID else str(self.codes[p]) for p in pos]

    def lookup(self, lng: float, lat: float) -> tuple[str, str] | None:
        """(grid_code, division_code) of one point, or None."""
        pos = int(self.positions([lng], [lat])[0])
        if pos == NO_GRID:
            return None
        return str(self.codes[pos]), str(self.division_codes[pos])


def _first_per_point(point_idx: npt.NDArray[np.intp],
                     grid_idx: npt.NDArray[np.intp]) -> tuple[npt.NDArray[np.intp], npt.NDArray[np.intp]]:
    """Keep the first pair of each run of equal points."""
    if not len(point_idx):
        return point_idx, grid_idx
    first = np.concatenate(([True], point_idx[1:] != point_idx[:-1]))
    return point_idx[first], grid_idx[first]


def _fingerprint(session: Session) -> tuple[Any, ...]:
    """Cheap summary that changes whenever a grid is added, reshaped or retired."""
    stmt = select(func.count(Grid.id), func.max(Grid.id), func.max(Grid.updated_at)).where(
        Grid.status == GridStatus.ACTIVE)
    row = session.execute(stmt).one()
    return tuple(str(v) for v in row)


def _build(session: Session) -> GridIndex:
    rows = session.execute(select(Grid.code, Grid.division_code, Grid.geometry).where(
        Grid.status == GridStatus.ACTIVE)).all()
    return GridIndex.build([(c, d, shape(json.loads(g))) for c, d, g in rows])


# Grid changes in this process call invalidate(); other processes' show in the fingerprint within a second.
_cache: TableCache[GridIndex] = TableCache(_fingerprint, _build)
invalidate = _cache.invalidate


def grid_index(session: Session) -> GridIndex:
    """The index of active grids for this database, rebuilt when the grids changed."""
    return _cache.get(session)


def lookup(session: Session, lng: float, lat: float) -> tuple[str, str] | None:
    """(grid_code, division_code) of the active grid at a WGS84 point, or None."""
    return grid_index(session).lookup(lng, lat)


# ------------------------------------------------------------------------------------------------ PostGIS


def postgis_schema(session: Session) -> str | None:
    """Schema of PostGIS when this database has the `grid_shapes` table migration 0002 creates with it."""
    if session.get_bind().dialect.name != "postgresql":
        return None
    if session.scalar(text("SELECT to_regclass('grid_shapes')")) is None:
        return None
    schema = session.scalar(text("SELECT n.nspname FROM pg_extension e JOIN pg_namespace n "
                                 "ON n.oid = e.extnamespace WHERE e.extname = 'postgis'"))
    return str(schema) if schema else None


def postgis_lookup_many(session: Session, lngs: npt.ArrayLike, lats: npt.ArrayLike) -> list[str | None]:
    """Grid codes for many points through PostGIS (GiST index on `grid_shapes`), same rule as the STRtree."""
    gis = postgis_schema(session)
    if gis is None:
        raise RuntimeError("PostGIS grid shapes are not available in this database")
    x = [float(v) for v in np.asarray(lngs, dtype=np.float64)]
    y = [float(v) for v in np.asarray(lats, dtype=np.float64)]
    # ST_Intersects = ST_Contains plus the boundary; ordering by code applies the shared rule.
    stmt = text(f"""
        SELECT p.i, m.code FROM unnest(:lngs, :lats) WITH ORDINALITY AS p(lng, lat, i)
        CROSS JOIN LATERAL (
            SELECT g.code FROM grid_shapes s JOIN grids g ON g.id = s.grid_id
            WHERE g.status = 'active'
              AND "{gis}".ST_Intersects(s.geom, "{gis}".ST_SetSRID("{gis}".ST_MakePoint(p.lng, p.lat), 4326))
            ORDER BY g.code LIMIT 1) m""").bindparams(
        bindparam("lngs", type_=ARRAY(DOUBLE_PRECISION)), bindparam("lats", type_=ARRAY(DOUBLE_PRECISION)))
    out: list[str | None] = [None] * len(x)
    for i, code in session.execute(stmt, {"lngs": x, "lats": y}):
        out[int(i) - 1] = str(code)
    return out
