"""Point → grid lookup: STRtree and lattice agree, edge points resolve once, caching, PostGIS agrees."""

from __future__ import annotations

import numpy as np
import pytest
import shapely
from grid_fixtures import ADMIN, COMMUNITY_A, add_divisions, collection, feature
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import text
from sqlalchemy.orm import Session

from cityloop.areas.grids import index as grid_index
from cityloop.areas.grids import service as grids
from cityloop.areas.grids.index import NO_GRID, GridIndex


def jittered_tiling(n: int, seed: int) -> tuple[list[tuple[str, str, object]], np.ndarray, np.ndarray]:
    """An n×n tiling of quads with shared jittered vertices, and those vertices."""
    rng = np.random.default_rng(seed)
    xs, ys = np.meshgrid(np.linspace(120.0, 120.1, n + 1), np.linspace(30.0, 30.1, n + 1), indexing="ij")
    step = 0.1 / n
    xs[1:-1, 1:-1] += rng.uniform(-0.3, 0.3, (n - 1, n - 1)) * step
    ys[1:-1, 1:-1] += rng.uniform(-0.3, 0.3, (n - 1, n - 1)) * step
    rows = []
    for i in range(n):
        for j in range(n):
            ring = [(xs[i, j], ys[i, j]), (xs[i + 1, j], ys[i + 1, j]), (xs[i + 1, j + 1], ys[i + 1, j + 1]),
                    (xs[i, j + 1], ys[i, j + 1])]
            rows.append((f"{COMMUNITY_A}{i * n + j:04d}", COMMUNITY_A, shapely.Polygon(ring)))
    return rows, xs, ys


@settings(max_examples=10, deadline=None)
@given(n=st.integers(2, 12), seed=st.integers(0, 10_000))
def test_lattice_and_strtree_agree_everywhere_including_vertices(n: int, seed: int) -> None:
    rows, xs, ys = jittered_tiling(n, seed)
    index = GridIndex.build(rows)
    rng = np.random.default_rng(seed)
    px = np.concatenate([rng.uniform(119.99, 120.11, 3000), xs.ravel(), (xs[:-1, :] + xs[1:, :]).ravel() / 2])
    py = np.concatenate([rng.uniform(29.99, 30.11, 3000), ys.ravel(), (ys[:-1, :] + ys[1:, :]).ravel() / 2])
    tree, lattice = index.tree_positions(px, py), index.lattice_positions(px, py)
    assert np.array_equal(tree, lattice)
    inside = (px >= 120.0) & (px <= 120.1) & (py >= 30.0) & (py <= 30.1)
    assert np.all(lattice[:3000][inside[:3000]] != NO_GRID)
    assert np.all(lattice[:3000][~inside[:3000]] == NO_GRID)


def test_a_point_on_a_shared_edge_goes_to_the_smaller_code() -> None:
    left = (f"{COMMUNITY_A}0002", COMMUNITY_A, shapely.box(0, 0, 1, 1))
    right = (f"{COMMUNITY_A}0001", COMMUNITY_A, shapely.box(1, 0, 2, 1))
    index = GridIndex.build([left, right])
    assert index.lookup(1.0, 0.5) == (f"{COMMUNITY_A}0001", COMMUNITY_A)
    assert index.lookup_many([1.0] * 3000, [0.5] * 3000) == [f"{COMMUNITY_A}0001"] * 3000


def test_the_cached_index_follows_grid_changes(db: Session) -> None:
    add_divisions(db)
    data = collection(feature(f"{COMMUNITY_A}0001", shapely.geometry.mapping(shapely.box(120, 30, 120.01, 30.01))))
    assert grid_index.lookup(db, 120.005, 30.005) is None
    grids.import_geojson(db, ADMIN, data)
    assert grid_index.lookup(db, 120.005, 30.005) == (f"{COMMUNITY_A}0001", COMMUNITY_A)
    grid_index.invalidate()  # another process would see the fingerprint change instead
    assert len(grid_index.grid_index(db)) == 1


def test_postgis_gives_identical_answers(db: Session) -> None:
    if grid_index.postgis_schema(db) is None:
        pytest.skip("PostGIS not available in this database")
    add_divisions(db)
    rows, xs, ys = jittered_tiling(8, 7)
    features = [feature(code, shapely.geometry.mapping(geom)) for code, _, geom in rows]
    grids.import_geojson(db, ADMIN, collection(*features))
    rng = np.random.default_rng(3)
    px = np.concatenate([rng.uniform(119.99, 120.11, 2000), xs.ravel()])
    py = np.concatenate([rng.uniform(29.99, 30.11, 2000), ys.ravel()])
    memory = grid_index.grid_index(db).lookup_many(px, py)
    assert grid_index.postgis_lookup_many(db, px, py) == memory
    assert sum(code is None for code in memory) > 0


def test_other_processes_changes_are_noticed_on_the_next_recheck(db: Session, monkeypatch: pytest.MonkeyPatch) -> None:
    add_divisions(db)
    data = collection(feature(f"{COMMUNITY_A}0001", shapely.geometry.mapping(shapely.box(120, 30, 120.01, 30.01))))
    grids.import_geojson(db, ADMIN, data)
    assert grid_index.lookup(db, 120.005, 30.005) is not None
    # Another process retires the grid: this process has no invalidate() call to rely on.
    db.execute(text("UPDATE grids SET status = 'retired'"))
    db.commit()
    monkeypatch.setattr(grid_index._cache, "recheck_seconds", 3600.0)
    assert grid_index.lookup(db, 120.005, 30.005) is not None  # within the recheck interval: the cached view
    monkeypatch.setattr(grid_index._cache, "recheck_seconds", 0.0)
    assert grid_index.lookup(db, 120.005, 30.005) is None
