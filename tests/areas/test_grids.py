"""Grid service: import with feature-level errors, export, merge/split with history, validation, scoping, intake."""

from __future__ import annotations

import json

import pytest
import shapely
from grid_fixtures import (
    ADMIN,
    COMMUNITY_A,
    COMMUNITY_B,
    STAFF_B,
    add_divisions,
    box,
    collection,
    feature,
    row_of_boxes,
)
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from shapely.geometry import shape
from sqlalchemy import select, text
from sqlalchemy.orm import Session

from cityloop.areas.addresses.locate import division_of, locate
from cityloop.areas.geo import from_wgs84
from cityloop.areas.grids import index as grid_index
from cityloop.areas.grids import service as grids
from cityloop.areas.grids.models import Grid, GridChange, GridWorker
from cityloop.cases.schemas import CaseIn
from cityloop.kit.errors import Conflict, Forbidden, ValidationFailed


@pytest.fixture
def city(db: Session) -> Session:
    """A database with the fixture divisions."""
    add_divisions(db)
    return db


def _areas(session: Session) -> float:
    return sum(g.area_m2 for g in session.scalars(select(Grid).where(Grid.status == "active")))


def test_import_creates_grids_that_points_find(city: Session) -> None:
    report = grids.import_geojson(city, ADMIN, row_of_boxes(COMMUNITY_A, 3))
    assert report.created == [f"{COMMUNITY_A}000{i}" for i in (1, 2, 3)]
    assert report.errors == []
    assert grid_index.lookup(city, 120.115, 30.205) == (f"{COMMUNITY_A}0002", COMMUNITY_A)
    assert grid_index.lookup(city, 120.5, 30.205) is None
    assert grids.export_geojson(city, ADMIN)["features"][0]["properties"]["code"] == f"{COMMUNITY_A}0001"


def test_import_reports_every_bad_feature_by_number_and_writes_nothing(city: Session) -> None:
    bad_ring = {"type": "Polygon", "coordinates": [[[120.0, 30.0], [120.1, 30.0], [120.1, 30.1]]]}
    bowtie = {"type": "Polygon", "coordinates": [[[120, 30], [120.1, 30.1], [120.1, 30], [120, 30.1], [120, 30]]]}
    data = collection(feature(f"{COMMUNITY_A}0001", box(120.1, 30.2, 120.11, 30.21)),
                      feature(f"{COMMUNITY_A}0002", bad_ring), feature(f"{COMMUNITY_A}0003", bowtie),
                      feature("12345", box(120, 30, 120.1, 30.1)),
                      feature("110101001001" + "0001", box(120, 30, 120.1, 30.1)),
                      feature(f"{COMMUNITY_A}0001", box(120.2, 30.2, 120.21, 30.21)))
    with pytest.raises(ValidationFailed) as err:
        grids.import_geojson(city, ADMIN, data)
    assert sorted(err.value.fields) == [f"features[{n}]" for n in (2, 3, 4, 5, 6)]
    assert "at least 4 positions" in err.value.fields["features[2]"][1]
    assert "Self-intersection" in err.value.fields["features[3]"][1]
    assert "repeats" in err.value.fields["features[6]"][1]
    assert city.scalar(select(Grid.id)) is None
    kept = grids.import_geojson(city, ADMIN, data, keep_good=True)
    assert kept.created == [f"{COMMUNITY_A}0001"]
    assert [e.number for e in kept.errors] == [2, 3, 4, 5, 6]


def test_import_converts_gcj02_and_builds_codes_from_community_and_seq(city: Session) -> None:
    x, y = from_wgs84([120.10, 120.11, 120.11, 120.10, 120.10], [30.2, 30.2, 30.21, 30.21, 30.2], "gcj02")
    ring = [[float(a), float(b)] for a, b in zip(x, y, strict=True)]
    data = collection({"type": "Feature", "geometry": {"type": "Polygon", "coordinates": [ring]},
                       "properties": {"community_code": COMMUNITY_A, "seq": 7, "name": "七号网格"}})
    assert grids.import_geojson(city, ADMIN, data, crs="GCJ-02").created == [f"{COMMUNITY_A}0007"]
    geom = shape(json.loads(city.scalar(select(Grid.geometry))))
    assert geom.bounds == pytest.approx((120.10, 30.2, 120.11, 30.21), abs=1e-7)


def test_only_admins_change_grids(city: Session) -> None:
    with pytest.raises(Forbidden):
        grids.import_geojson(city, STAFF_B, row_of_boxes("330105001001", 1))


def test_merge_retires_old_grids_keeps_history_workers_and_area(city: Session) -> None:
    grids.import_geojson(city, ADMIN, row_of_boxes(COMMUNITY_A, 3))
    before = _areas(city)
    merged = grids.merge(city, ADMIN, [f"{COMMUNITY_A}0001", f"{COMMUNITY_A}0002"], note="社区调整")
    assert merged.code == f"{COMMUNITY_A}0004"
    assert merged.is_active
    assert _areas(city) == pytest.approx(before, rel=1e-9)
    old = grids.get(city, ADMIN, f"{COMMUNITY_A}0001")  # a case filed there still resolves its grid
    assert old["properties"]["status"] == "retired"
    assert [h["action"] for h in old["properties"]["history"]] == ["create", "merge"]
    assert old["properties"]["history"][-1]["to"] == [merged.code]
    assert grid_index.lookup(city, 120.105, 30.205) == (merged.code, COMMUNITY_A)
    with pytest.raises(Conflict):
        grids.merge(city, ADMIN, [f"{COMMUNITY_A}0001", f"{COMMUNITY_A}0003"])


def test_merge_refuses_grids_that_do_not_touch(city: Session) -> None:
    grids.import_geojson(city, ADMIN, row_of_boxes(COMMUNITY_A, 3))
    with pytest.raises(Conflict):
        grids.merge(city, ADMIN, [f"{COMMUNITY_A}0001", f"{COMMUNITY_A}0003"])


def test_split_by_line_and_by_parts(city: Session) -> None:
    grids.import_geojson(city, ADMIN, row_of_boxes(COMMUNITY_A, 1, w=0.02))
    halves = grids.split(city, ADMIN, f"{COMMUNITY_A}0001",
                         line={"type": "LineString", "coordinates": [[120.11, 30.19], [120.11, 30.22]]})
    assert [g.code for g in halves] == [f"{COMMUNITY_A}0002", f"{COMMUNITY_A}0003"]
    left = halves[0] if halves[0].min_lng < halves[1].min_lng else halves[1]
    parts = [box(120.10, 30.20, 120.11, 30.205), box(120.10, 30.205, 120.11, 30.21)]
    quarters = grids.split(city, ADMIN, left.code, parts=parts, names=["南", "北"])
    assert [g.name for g in quarters] == ["南", "北"]
    with pytest.raises(ValidationFailed):
        grids.split(city, ADMIN, quarters[0].code, parts=[box(120.10, 30.20, 120.105, 30.205),
                                                          box(120.10, 30.20, 120.11, 30.205)])
    changes = city.scalars(select(GridChange.action).order_by(GridChange.id)).all()
    assert changes == ["create", "split", "split"]


def test_grid_history_is_append_only(city: Session) -> None:
    grids.import_geojson(city, ADMIN, row_of_boxes(COMMUNITY_A, 1))
    with pytest.raises(Exception, match="append-only"):
        city.execute(text("UPDATE grid_changes SET note = 'x'"))
    city.rollback()


def test_validation_report_finds_overlaps_holes_and_invalid_rings(city: Session) -> None:
    ring = collection(feature(f"{COMMUNITY_B}0001", box(120.1, 30.2, 120.13, 30.21)),
                      feature(f"{COMMUNITY_B}0002", box(120.1, 30.22, 120.13, 30.23)),
                      feature(f"{COMMUNITY_B}0003", box(120.1, 30.21, 120.11, 30.22)),
                      feature(f"{COMMUNITY_B}0004", box(120.12, 30.21, 120.13, 30.22)),
                      feature(f"{COMMUNITY_A}0001", box(120.2, 30.2, 120.22, 30.21)),
                      feature(f"{COMMUNITY_A}0002", box(120.21, 30.2, 120.23, 30.21)))
    grids.import_geojson(city, ADMIN, ring)
    report = grids.validation_report(city, ADMIN)
    assert [(o["a"], o["b"]) for o in report["overlaps"]] == [(f"{COMMUNITY_A}0001", f"{COMMUNITY_A}0002")]
    assert report["overlaps"][0]["area_m2"] == pytest.approx(1.0e6, rel=0.1)
    gap = next(g for g in report["gaps"] if g["division_code"] == COMMUNITY_B)
    assert gap["holes"] == 1
    assert gap["area_m2"] > 0
    assert report["invalid"] == []


@st.composite
def tilings(draw: st.DrawFn) -> tuple[list[float], list[float]]:
    """Column edges and heights of a strip of rectangles with a jagged top, tiling without gaps."""
    widths = draw(st.lists(st.floats(0.001, 0.01), min_size=3, max_size=6))
    heights = draw(st.lists(st.floats(0.002, 0.01), min_size=len(widths), max_size=len(widths)))
    edges = [120.1]
    for w in widths:
        edges.append(edges[-1] + w)
    return edges, heights


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(tiling=tilings(), pick=st.integers(0, 10), cut=st.floats(0.05, 0.95))
def test_merge_and_split_preserve_area_and_create_no_overlap(city: Session, tiling: tuple[list[float], list[float]],
                                                             pick: int, cut: float) -> None:
    city.execute(text("DELETE FROM grid_workers"))
    city.execute(text("DELETE FROM grids"))
    city.commit()
    edges, heights = tiling
    data = collection(*[feature(f"{COMMUNITY_A}{i + 1:04d}", box(edges[i], 30.2, edges[i + 1], 30.2 + heights[i]))
                        for i in range(len(heights))])
    codes = grids.import_geojson(city, ADMIN, data).created
    total = _areas(city)
    i = pick % (len(codes) - 1)
    merged = grids.merge(city, ADMIN, codes[i:i + 2])
    x0, y0, x1, y1 = merged.min_lng, merged.min_lat, merged.max_lng, merged.max_lat
    x = x0 + (x1 - x0) * cut
    grids.split(city, ADMIN, merged.code, line={"type": "LineString", "coordinates": [[x, y0 - 1], [x, y1 + 1]]})
    assert _areas(city) == pytest.approx(total, rel=1e-7)
    report = grids.validation_report(city, ADMIN)
    assert report["overlaps"] == []
    assert report["invalid"] == []
    assert all(g["holes"] == 0 for g in report["gaps"])
    union = shapely.union_all([grids.shape_of(g) for g in city.scalars(select(Grid).where(Grid.status == "active"))])
    assert union.area == pytest.approx(sum(w * h for w, h in zip(
        [b - a for a, b in zip(edges, edges[1:], strict=False)], heights, strict=True)), rel=1e-7)


def test_locate_uses_the_point_then_the_address(city: Session) -> None:
    grids.import_geojson(city, ADMIN, row_of_boxes(COMMUNITY_A, 2))
    base = {"channel": "hotline", "appeal_type": "complain", "title": "路灯不亮", "content": "路灯坏了很久"}
    with_point = CaseIn.model_validate({**base, "location": {"lng": 120.115, "lat": 30.205}})
    assert locate(city, with_point)[:2] == (COMMUNITY_A, f"{COMMUNITY_A}0002")
    by_address = CaseIn.model_validate({**base, "location": {"address": "杭州市西湖区北山街道保俶路10号"}})
    assert locate(city, by_address)[:2] == ("330106002", None)  # the national code of 北山街道
    assert division_of("330106000000") == "330106"
    assert division_of("330106001002") == "330106001002"


@pytest.fixture
def api(engine, world):  # type: ignore[no-untyped-def]
    """(client, headers) on the app with the areas router mounted (the lead mounts it in create_app)."""
    from fastapi.testclient import TestClient

    from builders import PASSWORD
    from cityloop.app import create_app
    from cityloop.areas.routes import router

    app = create_app()
    if not any(getattr(r, "path", "") == "/api/v1/grids" for r in app.routes):
        app.include_router(router)
    with TestClient(app) as client:
        def headers(username: str) -> dict[str, str]:
            resp = client.post("/api/v1/auth/token", data={"username": username, "password": PASSWORD})
            return {"Authorization": f"Bearer {resp.json()['access_token']}"}

        yield client, headers


def test_workers_follow_a_merge(world, db: Session) -> None:  # type: ignore[no-untyped-def]
    data = collection(*[feature(f"330106001000000{i}", box(120.1 + i * 0.01, 30.2, 120.11 + i * 0.01, 30.21),
                                division_code="330106001") for i in (1, 2)])
    grids.import_geojson(db, ADMIN, data)
    worker = world.users["grid_worker"].id
    grids.assign_worker(db, ADMIN, "3301060010000001", worker)
    merged = grids.merge(db, ADMIN, ["3301060010000001", "3301060010000002"])
    assert db.scalars(select(GridWorker.user_id).where(GridWorker.grid_code == merged.code)).all() == [worker]


def test_grids_api_is_scoped_to_the_callers_area(api) -> None:  # type: ignore[no-untyped-def]
    client, auth = api
    resp = client.post("/api/v1/grids/import", json=collection(
        feature("3301060010000001", box(120.1, 30.2, 120.11, 30.21), division_code="330106001"),
        feature("3301050010000001", box(120.2, 30.2, 120.21, 30.21), division_code="330105001")),
        headers=auth("admin"))
    assert resp.status_code == 200, resp.text
    own = client.get("/api/v1/grids", headers=auth("other_dispatcher")).json()
    assert [f["properties"]["code"] for f in own["features"]] == ["3301050010000001"]
    assert client.get("/api/v1/grids/3301060010000001", headers=auth("other_dispatcher")).status_code == 404
    found = client.get("/api/v1/grids/lookup", params={"lng": 120.105, "lat": 30.205}, headers=auth("admin"))
    assert found.json()["grid_code"] == "3301060010000001"
    hidden = client.get("/api/v1/grids/lookup", params={"lng": 120.105, "lat": 30.205},
                        headers=auth("other_dispatcher"))
    assert hidden.json()["grid_code"] is None
    assert client.post("/api/v1/grids/import", json=collection(), headers=auth("dispatcher")).status_code == 403
    bad = client.post("/api/v1/grids/import", json=collection(feature("1", box(1, 1, 2, 2))), headers=auth("admin"))
    assert bad.status_code == 422
    assert "features[1]" in bad.json()["details"]["fields"]
    tree = client.get("/api/v1/divisions", params={"parent": "3301", "depth": 1}, headers=auth("admin")).json()
    assert {c["code"] for c in tree["children"]} == {"330106", "330105"}


def test_demo_grids_tile_every_community_without_overlaps(city: Session) -> None:
    from cityloop.cases.demo.grids import GRIDS_PER_COMMUNITY, seed_grids

    assert seed_grids(city) == 3 * GRIDS_PER_COMMUNITY
    report = grids.validation_report(city, ADMIN)
    assert report["overlaps"] == []
    assert report["gaps"] == []
    assert report["invalid"] == []
    assert grid_index.lookup(city, *shapely.centroid(grids.shape_of(city.scalars(select(Grid)).first())).coords[0])
