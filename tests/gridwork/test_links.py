"""事点关联: a point's nearby cases within the radius, and points where cases recur."""

from __future__ import annotations

from builders import file_case


def _near(db, world, lng: float, lat: float, title: str = "井盖松动") -> None:  # type: ignore[no-untyped-def]
    file_case(db, world.subjects["agent"], title=title, content=f"{title}，请处理",
              location={"division_code": "330106001", "lng": lng, "lat": lat})


def test_a_point_lists_cases_within_its_radius_nearest_first(client, auth, db, world, patrol) -> None:
    _near(db, world, 120.1505, 30.2600)   # ≈ 48 m east of P001
    _near(db, world, 120.1501, 30.2601)   # ≈ 15 m
    _near(db, world, 120.1700, 30.2600)   # ≈ 1.9 km: not the point's
    detail = client.get("/api/v1/gridwork/points/P001", headers=auth("supervisor")).json()
    assert [round(c["distance_m"]) for c in detail["cases"]] == [15, 48]
    assert detail["recurring"] is False
    assert client.get("/api/v1/gridwork/points/P003", headers=auth("grid_worker")).status_code == 404


def test_points_where_cases_recur_are_flagged(client, auth, db, world, patrol) -> None:
    for i in range(3):
        _near(db, world, 120.1500 + i * 0.0002, 30.2600, title=f"积水{i}")
    _near(db, world, 120.1600, 30.2700)
    spots = client.get("/api/v1/gridwork/hotspots", headers=auth("supervisor")).json()
    assert [(s["point_id"], s["cases"]) for s in spots] == [("P001", 3)]
    assert client.get("/api/v1/gridwork/points/P001", headers=auth("supervisor")).json()["recurring"] is True
