"""Coordinate conversions and ring checks."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from cityloop.areas import geo

china_lng = st.floats(73.0, 135.0)
china_lat = st.floats(18.0, 53.0)


@given(lng=china_lng, lat=china_lat)
def test_gcj02_round_trip_is_below_a_millimetre(lng: float, lat: float) -> None:
    x, y = geo.gcj02_to_wgs84(*geo.wgs84_to_gcj02(lng, lat))
    assert float(x) == pytest.approx(lng, abs=1e-8)
    assert float(y) == pytest.approx(lat, abs=1e-8)


@given(lng=china_lng, lat=china_lat)
def test_bd09_round_trip(lng: float, lat: float) -> None:
    x, y = geo.to_wgs84(*geo.from_wgs84(lng, lat, "bd09"), "bd09")
    assert float(x) == pytest.approx(lng, abs=1e-6)
    assert float(y) == pytest.approx(lat, abs=1e-6)


def test_offsets_match_the_published_magnitudes_in_hangzhou() -> None:
    gx, gy = geo.wgs84_to_gcj02(120.15, 30.28)
    # GCJ-02 shifts Hangzhou by roughly +0.0046° lng and −0.0024° lat (≈ 450 m / 270 m).
    assert float(gx) - 120.15 == pytest.approx(0.0046, abs=0.0004)
    assert float(gy) - 30.28 == pytest.approx(-0.0024, abs=0.0004)
    bx, by = geo.gcj02_to_bd09(gx, gy)
    assert float(bx) - float(gx) == pytest.approx(0.0065, abs=0.0008)
    assert float(by) - float(gy) == pytest.approx(0.0060, abs=0.0008)


def test_no_offset_outside_china_and_vectorised() -> None:
    x, y = geo.wgs84_to_gcj02(np.array([2.35, 120.15]), np.array([48.85, 30.28]))
    assert (x[0], y[0]) == (2.35, 48.85)
    assert x[1] != 120.15


def test_cgcs2000_is_wgs84_at_grid_precision() -> None:
    x, y = geo.to_wgs84(120.15, 30.28, "EPSG:4490")
    assert float(x) == pytest.approx(120.15, abs=1e-6)
    assert float(y) == pytest.approx(30.28, abs=1e-6)


def test_parse_crs_accepts_common_spellings_and_rejects_others() -> None:
    assert geo.parse_crs("GCJ-02") is geo.Crs.GCJ02
    assert geo.parse_crs("baidu") is geo.Crs.BD09
    assert geo.parse_crs(None) is geo.Crs.WGS84
    with pytest.raises(ValueError, match="unknown"):
        geo.parse_crs("EPSG:3857")


def test_ring_problems() -> None:
    open_ring = {"type": "Polygon", "coordinates": [[[0, 0], [1, 0], [1, 1], [0, 1]]]}
    assert geo.ring_problems(open_ring) == ["polygon 0 ring 0: ring is not closed (first and last positions differ)"]
    assert geo.ring_problems({"type": "Point", "coordinates": [0, 0]})[0].startswith("geometry must be")
    swapped = {"type": "Polygon", "coordinates": [[[30, 120], [31, 120], [31, 121], [30, 120]]]}
    assert "out of range" in geo.ring_problems(swapped)[0]


def test_area_of_a_hundred_metre_square() -> None:
    from shapely import box

    d_lat = 100 / 110_950
    d_lng = 100 / (111_320 * np.cos(np.radians(30.28)))
    assert geo.area_m2(box(120.15, 30.28, 120.15 + d_lng, 30.28 + d_lat)) == pytest.approx(10_000, rel=0.01)
