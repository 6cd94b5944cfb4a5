"""Offline base map: outlines as unions of grids, labels inside them, roads traced through standard addresses."""

from __future__ import annotations

import math
import random

import pytest
from element_fixtures import ADMIN, CITIZEN, COMMUNITY_C, OTHER_USER, STREET_USER, add_grids, table
from grid_fixtures import COMMUNITY_A, STREET, add_divisions, row_of_boxes
from hypothesis import given, settings
from hypothesis import strategies as st
from shapely.geometry import LineString, Point, shape
from sqlalchemy.orm import Session

from cityloop.areas.basemap import service as basemap
from cityloop.areas.elements import service as elements
from cityloop.areas.elements.models import ElementKind
from cityloop.areas.grids import service as grids
from cityloop.kit.auth import SYSTEM, Role, Subject

HEADER = ["标准地址", "经度", "纬度"]
ROAD_Y = 30.205
COMMUNITY_USER = Subject(id=None, name="community", roles=frozenset({Role.GRID_WORKER}), scope=COMMUNITY_A)


def _road_rows(n: int = 24) -> list[list[object]]:
    """Door plates of 保俶路 along y = 30.205 from 120.101 to 120.149, odd and even numbers on either side."""
    rows: list[list[object]] = []
    for i in range(n):
        side = 0.00008 if i % 2 else -0.00008
        lng = round(120.101 + 0.048 * i / (n - 1), 6)
        rows.append([f"浙江省杭州市西湖区北山街道保俶路{i + 1}号", lng, ROAD_Y + side])
    return rows


@pytest.fixture
def city(db: Session) -> Session:
    """Fixture divisions and grids (street 330106001: communities A and B; district 330105: community C)."""
    add_divisions(db)
    add_grids(db)
    return db


def _kinds(fc: dict[str, object], kind: str) -> dict[str, dict[str, object]]:
    return {f["properties"]["code"] + f["properties"].get("name", ""): f  # type: ignore[index, operator]
            for f in fc["features"] if f["properties"]["kind"] == kind}  # type: ignore[attr-defined, index]


def test_divisions_are_drawn_as_the_union_of_their_grids_with_names(city: Session) -> None:
    fc = basemap.base_geojson(city, SYSTEM)
    areas = {f["properties"]["code"]: f for f in fc["features"] if f["properties"]["kind"] == "area"}
    assert set(areas) == {"330106", STREET, COMMUNITY_A, "330106001002", "330105", "330105001", COMMUNITY_C}
    street = shape(areas[STREET]["geometry"])
    assert street.geom_type == "Polygon"  # five adjacent boxes merge into one ring, no inner grid edges
    assert street.area == pytest.approx(0.05 * 0.01, rel=1e-6)
    assert (areas[STREET]["properties"]["name"], areas[STREET]["properties"]["level"]) == ("北山街道", 4)
    assert areas["330106"]["properties"]["level"] == 3
    labels = {f["properties"]["code"]: f for f in fc["features"] if f["properties"]["kind"] == "label"}
    for code, area in areas.items():
        assert shape(area["geometry"]).contains(shape(labels[code]["geometry"])), code
        assert labels[code]["properties"]["name"] == area["properties"]["name"]


def test_roads_are_traced_along_their_door_plates(city: Session) -> None:
    elements.import_file(city, ADMIN, ElementKind.ADDRESSES, table(HEADER, *_road_rows()), "a.csv")
    roads = [f for f in basemap.base_geojson(city, SYSTEM)["features"] if f["properties"]["kind"] == "road"]
    assert [(r["properties"]["name"], r["properties"]["streets"]) for r in roads] == [("保俶路", [STREET])]
    line = shape(roads[0]["geometry"])
    xs = [x for x, _ in line.coords]
    assert min(xs) < 120.103  # spans the door plates end to end
    assert max(xs) > 120.147
    assert all(abs(y - ROAD_Y) < 0.000081 for _, y in line.coords)  # between the two rows of door plates


def test_addresses_that_do_not_line_up_draw_no_road(city: Session) -> None:
    rng = random.Random(3)
    # Scattered over a square kilometre (estates geocoded anywhere in the community), not along a line.
    rows = [[f"浙江省杭州市西湖区北山街道曙光路{i + 1}号", round(rng.uniform(120.10, 120.11), 6),
             round(rng.uniform(30.20, 30.21), 6)] for i in range(30)]
    elements.import_file(city, ADMIN, ElementKind.ADDRESSES, table(HEADER, *rows), "a.csv")
    assert not [f for f in basemap.base_geojson(city, SYSTEM)["features"] if f["properties"]["kind"] == "road"]


def test_each_caller_gets_the_base_of_their_area(city: Session) -> None:
    elements.import_file(city, ADMIN, ElementKind.ADDRESSES, table(HEADER, *_road_rows()), "a.csv")

    def codes(subject: Subject) -> set[tuple[str, str]]:
        return {(f["properties"]["kind"], f["properties"].get("code") or ",".join(f["properties"]["streets"]))
                for f in basemap.base_geojson(city, subject)["features"]}

    street = codes(STREET_USER)
    assert {c for _, c in street} == {STREET, COMMUNITY_A, "330106001002"}
    assert ("road", STREET) in street
    assert {c for _, c in codes(OTHER_USER)} == {"330105", "330105001", COMMUNITY_C}
    # Community staff see their community and the roads of its street, nothing of the neighbour community.
    assert codes(COMMUNITY_USER) == {("area", COMMUNITY_A), ("label", COMMUNITY_A), ("road", STREET)}
    assert codes(CITIZEN) == set()


def test_the_cached_base_follows_new_grids(city: Session) -> None:
    before = basemap.base_geojson(city, SYSTEM)
    grids.import_geojson(city, ADMIN, {**row_of_boxes(COMMUNITY_C, 3, x0=120.23), "features": [
        row_of_boxes(COMMUNITY_C, 3, x0=120.23)["features"][2]]})
    basemap._cache.invalidate()  # as the recheck interval would after a second
    after = basemap.base_geojson(city, SYSTEM)
    area = {f["properties"]["code"]: shape(f["geometry"]).area for f in after["features"]
            if f["properties"]["kind"] == "area"}
    old = {f["properties"]["code"]: shape(f["geometry"]).area for f in before["features"]
           if f["properties"]["kind"] == "area"}
    assert area["330105"] == pytest.approx(old["330105"] + 0.0001, rel=1e-6)  # 0003 at 120.25, apart


@settings(max_examples=60, deadline=None)
@given(n=st.integers(3, 60), angle=st.floats(-math.pi, math.pi), seed=st.integers(0, 2**16),
       length=st.floats(100, 3000))
def test_a_trace_follows_any_straight_road_whatever_the_order(n: int, angle: float, seed: int,
                                                               length: float) -> None:
    rng = random.Random(seed)
    # Door plates up to 12 m either side of a straight road of `length` metres, in any order.
    dx, dy = math.cos(angle) / 96_400, math.sin(angle) / 110_540  # degrees per metre at 30°N
    road = LineString([(120.1, 30.2), (120.1 + length * dx, 30.2 + length * dy)])
    points = []
    for i in range(n):
        t, off = length * i / (n - 1), rng.uniform(-12, 12)
        points.append((120.1 + t * dx - off * dy * 110_540 / 96_400, 30.2 + t * dy + off * dx * 96_400 / 110_540))
    rng.shuffle(points)
    coords = basemap.trace(points)
    assert coords is not None
    traced = LineString(coords)
    tolerance = 15 / 96_400  # 15 m in degrees: never further from the road than its door plates
    assert road.hausdorff_distance(traced) < tolerance + length * 0.06 / 96_400
    assert basemap.trace(list(reversed(points))) is not None
    assert all(road.distance(Point(c)) < tolerance for c in coords)


def test_too_few_points_trace_nothing() -> None:
    assert basemap.trace([(120.1, 30.2), (120.2, 30.2)]) is None
    assert basemap.trace([(120.1, 30.2)] * 5) is None
