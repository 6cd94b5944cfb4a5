"""Benchmark the offline base map: outlines of a synthetic city's divisions and roads traced through its door
plates; prints one JSON object.

Outlines are built level by level (communities from grids, streets from communities, districts from streets);
the baseline, measured in the same run, unions every division straight from its grids.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np
import shapely
from shapely.geometry import box
from shapely.geometry.base import BaseGeometry

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import emit  # noqa: E402

from cityloop.areas.basemap import service  # noqa: E402

GRID_W, GRID_H = 0.002, 0.0025  # about 190 m × 280 m at 30°N


def city(districts: int, streets: int, communities: int, grids: int) -> list[tuple[str, BaseGeometry]]:
    """Rectangular grids tiling communities side by side, streets side by side, districts side by side."""
    out = []
    cols = 5
    rows = -(-grids // cols)
    for d in range(districts):
        for s in range(streets):
            for c in range(communities):
                for g in range(grids):
                    x = (d * streets + s) * cols * GRID_W + (g % cols) * GRID_W
                    y = c * rows * GRID_H + (g // cols) * GRID_H
                    out.append((f"3301{d + 1:02d}{s + 1:03d}{c + 1:03d}", box(x, y, x + GRID_W, y + GRID_H)))
    return out


def door_plates(roads: int, per_road: int, seed: int) -> list[tuple[str, str, float, float]]:
    """Door plates 8 m either side of straight roads of random direction, 20 m apart."""
    rng = np.random.default_rng(seed)
    rows = []
    for r in range(roads):
        x, y, angle = rng.uniform(0, 0.5), rng.uniform(0, 0.2), rng.uniform(0, np.pi)
        dx, dy = np.cos(angle) / 96_400, np.sin(angle) / 110_540
        for i in range(per_road):
            side = 8 if i % 2 else -8
            rows.append((f"路{r}", "330101001001", x + 20 * i * dx - side * dy, y + 20 * i * dy + side * dx))
    return rows


def flat_outlines(grids: list[tuple[str, BaseGeometry]]) -> int:
    """Baseline: every division unioned straight from all of its grids."""
    by_code: dict[str, list[BaseGeometry]] = {}
    for code, geom in grids:
        for width in service.LEVELS:
            by_code.setdefault(code[:width], []).append(geom)
    return len([shapely.union_all(g, grid_size=1e-7) for g in by_code.values()])


def timed(fn: Any, *args: Any) -> tuple[float, Any]:
    """(milliseconds, result) of one call."""
    start = time.perf_counter()
    result = fn(*args)
    return (time.perf_counter() - start) * 1000, result


def main() -> None:
    """Run both outline builds and the road tracing once each."""
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--districts", type=int, default=6)
    ap.add_argument("--streets", type=int, default=12)
    ap.add_argument("--communities", type=int, default=8)
    ap.add_argument("--grids", type=int, default=4, help="grids per community")
    ap.add_argument("--roads", type=int, default=500)
    ap.add_argument("--plates", type=int, default=60, help="door plates per road")
    ap.add_argument("--seed", type=int, default=1)
    args = ap.parse_args()
    grids = city(args.districts, args.streets, args.communities, args.grids)
    plates = door_plates(args.roads, args.plates, args.seed)
    levelled_ms, outlines = timed(service.outlines, grids, {})
    flat_ms, _ = timed(flat_outlines, grids)
    roads_ms, roads = timed(service.roads, plates)
    payload = sum(len(json.dumps(shapely.geometry.mapping(o.geometry))) for o in outlines)
    emit({"grids": len(grids), "divisions": len(outlines), "door_plates": len(plates), "roads_traced": len(roads),
          "outlines_ms": round(levelled_ms, 1), "flat_outlines_ms": round(flat_ms, 1),
          "outlines_speedup_ratio": round(flat_ms / levelled_ms, 2), "roads_ms": round(roads_ms, 1),
          "door_plates_per_s": round(len(plates) / roads_ms * 1000), "outline_geojson_bytes": payload})


if __name__ == "__main__":
    main()
