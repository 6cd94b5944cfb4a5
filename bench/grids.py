"""Benchmark point → grid lookup: N random points against a jittered n×n tiling; prints one JSON object.

In memory (vectorised lattice + STRtree baseline) always; through PostGIS (`ST_Intersects` on the GiST-indexed
`grid_shapes`) on a sample in the same run when a PostgreSQL server with PostGIS is reachable.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np
import shapely

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import DEFAULT_PG_ADMIN_URL, emit, fresh_database, migrate  # noqa: E402

from cityloop.areas.grids.index import NO_GRID, GridIndex  # noqa: E402

EXTENT = (120.0, 30.1, 120.3, 30.4)


def tiling(n: int, seed: int) -> list[tuple[str, str, Any]]:
    """n×n quads over EXTENT whose inner vertices are jittered and shared, so they tile exactly."""
    rng = np.random.default_rng(seed)
    x0, y0, x1, y1 = EXTENT
    xs, ys = np.meshgrid(np.linspace(x0, x1, n + 1), np.linspace(y0, y1, n + 1), indexing="ij")
    step = (x1 - x0) / n
    xs[1:-1, 1:-1] += rng.uniform(-0.3, 0.3, (n - 1, n - 1)) * step
    ys[1:-1, 1:-1] += rng.uniform(-0.3, 0.3, (n - 1, n - 1)) * step
    rows = []
    for i in range(n):
        community = f"330106001{i + 1:03d}"
        for j in range(n):
            ring = [(xs[i, j], ys[i, j]), (xs[i + 1, j], ys[i + 1, j]), (xs[i + 1, j + 1], ys[i + 1, j + 1]),
                    (xs[i, j + 1], ys[i, j + 1]), (xs[i, j], ys[i, j])]
            rows.append((f"{community}{j + 1:04d}", community, shapely.Polygon(ring)))
    return rows


def timed(fn: Any, *args: Any) -> tuple[Any, float, float]:
    """Result, wall seconds and CPU seconds of one call."""
    wall, cpu = time.perf_counter(), time.process_time()
    out = fn(*args)
    return out, time.perf_counter() - wall, time.process_time() - cpu


def in_memory(rows: list[tuple[str, str, Any]], px: np.ndarray, py: np.ndarray, baseline: int) -> dict[str, Any]:
    """Lattice batch lookup over all points, and the plain STRtree query on a sample as the baseline."""
    index, build_s, _ = timed(GridIndex.build, rows)
    _, lattice_s, _ = timed(lambda: index.lattice)
    pos, wall, cpu = timed(index.positions, px, py)
    ref, tree_wall, _ = timed(index.tree_positions, px[:baseline], py[:baseline])
    return {"index": index, "positions": pos, "index_build_ms": round(build_s * 1000, 1),
            "lattice_build_ms": round(lattice_s * 1000, 1), "points_per_s": round(len(px) / wall),
            "points_per_cpu_s": round(len(px) / cpu), "strtree_points_per_s": round(baseline / tree_wall),
            "strtree_agree": bool(np.array_equal(ref, pos[:baseline])),
            "points_outside": int((pos == NO_GRID).sum())}


def through_postgis(rows: list[tuple[str, str, Any]], index: GridIndex, px: np.ndarray, py: np.ndarray,
                    admin_url: str) -> dict[str, Any]:
    """Load the grids into a fresh PostgreSQL database and look the sample up through PostGIS."""
    from cityloop.areas.grids import index as grid_index
    from cityloop.areas.grids import service as grids
    from cityloop.kit.auth import SYSTEM
    from cityloop.kit.db import reset_engine, session_scope

    with fresh_database("postgresql", admin_url) as url, tempfile.TemporaryDirectory() as var:
        migrate(url, Path(var))
        with session_scope() as session:
            if grid_index.postgis_schema(session) is None:
                return {"postgis_points_per_s": None, "postgis_note": "PostGIS not available"}
            grids.create_grids(session, SYSTEM, [(c, c, d, g) for c, d, g in rows])
        with session_scope() as session:
            grid_index.postgis_lookup_many(session, px[:200], py[:200])  # warm the plan and caches
            codes, wall, _ = timed(grid_index.postgis_lookup_many, session, px, py)
        reset_engine()
    memory = index.lookup_many(px, py)
    return {"postgis_points": len(px), "postgis_points_per_s": round(len(px) / wall),
            "postgis_agree": codes == memory}


def main() -> None:
    """Run the benchmark and print its figures."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--points", type=int, default=1_000_000)
    parser.add_argument("--side", type=int, default=100, help="the tiling has side×side grids")
    parser.add_argument("--postgis-sample", type=int, default=20_000)
    parser.add_argument("--strtree-sample", type=int, default=100_000)
    parser.add_argument("--pg-admin-url", default=DEFAULT_PG_ADMIN_URL)
    parser.add_argument("--no-postgis", action="store_true")
    parser.add_argument("--seed", type=int, default=42)
    args = parser.parse_args()
    rows = tiling(args.side, args.seed)
    rng = np.random.default_rng(args.seed + 1)
    pad = 0.01  # a few points fall outside every grid, as real reports do
    px = rng.uniform(EXTENT[0] - pad, EXTENT[2] + pad, args.points)
    py = rng.uniform(EXTENT[1] - pad, EXTENT[3] + pad, args.points)
    figures: dict[str, Any] = {"grids": len(rows), "points": args.points}
    memory = in_memory(rows, px, py, min(args.strtree_sample, args.points))
    index = memory.pop("index")
    memory.pop("positions")
    figures.update(memory)
    figures["lattice_vs_strtree_ratio"] = round(figures["points_per_s"] / figures["strtree_points_per_s"], 2)
    if not args.no_postgis:
        try:
            sample = min(args.postgis_sample, args.points)
            figures.update(through_postgis(rows, index, px[:sample], py[:sample], args.pg_admin_url))
        except Exception as err:  # noqa: BLE001 - a missing server must not hide the in-memory figures
            figures.update({"postgis_points_per_s": None, "postgis_note": f"{type(err).__name__}: {err}"[:200]})
    if figures.get("postgis_points_per_s"):
        figures["postgis_vs_memory_ratio"] = round(figures["postgis_points_per_s"] / figures["points_per_s"], 4)
        figures["memory_vs_postgis_ratio"] = round(figures["points_per_s"] / figures["postgis_points_per_s"], 1)
    emit(figures)


if __name__ == "__main__":
    main()
