"""Coverage: a point is due when its cycle has run since its last check-in; checked when patrolled that day."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cityloop.kit import clock

MONDAY = date(2025, 3, 3)


def _check_in(client, auth, point: str, day: date, key: str) -> None:  # type: ignore[no-untyped-def]
    lng, lat = {"P001": (120.15, 30.26), "P002": (120.16, 30.27)}[point]
    at = datetime(day.year, day.month, day.day, 2, 0, tzinfo=UTC)  # 10:00 in Shanghai
    clock.freeze(at + timedelta(minutes=5))
    resp = client.post("/api/v1/gridwork/checkins", headers={**auth("grid_worker"), "Idempotency-Key": key},
                       json={"point_id": point, "lng": lng, "lat": lat, "at": at.isoformat(), "result": "ok"})
    assert resp.status_code == 201, resp.text


def _coverage(client, auth, day: date, user: str = "dispatcher") -> dict[str, dict[str, object]]:  # type: ignore[no-untyped-def]
    resp = client.get("/api/v1/gridwork/coverage", params={"date": day.isoformat()}, headers=auth(user))
    assert resp.status_code == 200, resp.text
    return {i["point_id"]: i for i in resp.json()["items"]}


def test_daily_and_weekly_points(client, auth, patrol) -> None:
    _check_in(client, auth, "P001", MONDAY, "a")
    _check_in(client, auth, "P002", MONDAY, "b")
    monday = _coverage(client, auth, MONDAY)
    assert {k: (v["due"], v["checked"]) for k, v in monday.items()} == {
        "P001": (True, True), "P002": (True, True), "P003": (True, False)}
    tuesday = _coverage(client, auth, MONDAY + timedelta(days=1))
    assert (tuesday["P001"]["due"], tuesday["P001"]["checked"]) == (True, False)
    assert tuesday["P002"]["due"] is False  # weekly: patrolled yesterday
    assert _coverage(client, auth, MONDAY + timedelta(days=7))["P002"]["due"] is True


def test_a_grid_worker_sees_only_their_own_points(client, auth, patrol) -> None:
    assert set(_coverage(client, auth, MONDAY, "grid_worker")) == {"P001", "P002"}
    assert _coverage(client, auth, MONDAY, "other_dispatcher") == {}


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(cycle=st.integers(1, 10), gap=st.integers(0, 20))
def test_due_exactly_when_the_cycle_has_run(client, auth, patrol, cycle: int, gap: int) -> None:
    code = f"H{cycle}-{gap}"
    patrol(f"{code},循环点位,120.1500,30.2600,{cycle},grid_worker\n")
    _check_in_at(client, auth, code, MONDAY)
    seen = _coverage(client, auth, MONDAY + timedelta(days=gap))[code]
    assert seen["due"] is (gap == 0 or gap >= cycle)
    assert seen["checked"] is (gap == 0)


def _check_in_at(client, auth, code: str, day: date) -> None:  # type: ignore[no-untyped-def]
    at = datetime(day.year, day.month, day.day, 2, 0, tzinfo=UTC)
    clock.freeze(at)
    resp = client.post("/api/v1/gridwork/checkins", headers={**auth("grid_worker"), "Idempotency-Key": code},
                       json={"point_id": code, "lng": 120.15, "lat": 30.26, "at": at.isoformat(), "result": "ok"})
    assert resp.status_code == 201, resp.text
