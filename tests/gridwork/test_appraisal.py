"""Monthly appraisal: patrol rate from due and checked point-days, reports and their outcome."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from builders import file_case
from cityloop.cases.schemas import ActionIn
from cityloop.cases.workflow import perform
from cityloop.kit import clock

MARCH_1 = datetime(2025, 3, 1, 2, 0, tzinfo=UTC)  # 10:00 in Shanghai


def _check_in(client, auth, point: str, lng: float, lat: float, at: datetime, key: str) -> None:  # type: ignore[no-untyped-def]
    clock.freeze(at)
    resp = client.post("/api/v1/gridwork/checkins", headers={**auth("grid_worker"), "Idempotency-Key": key},
                       json={"point_id": point, "lng": lng, "lat": lat, "at": at.isoformat(), "result": "ok"})
    assert resp.status_code == 201, resp.text


def test_patrol_rate_and_report_outcomes(client, auth, db, world, patrol) -> None:
    for day in range(10):  # the daily point P001 patrolled on the first 10 of 31 days
        _check_in(client, auth, "P001", 120.15, 30.26, MARCH_1 + timedelta(days=day), f"d{day}")
    clock.freeze(MARCH_1)
    kept = file_case(db, world.subjects["grid_worker"], channel="grid", appeal_type="event", category_code=None)
    dropped = file_case(db, world.subjects["grid_worker"], channel="grid", appeal_type="event", category_code=None)
    perform(db, world.subjects["dispatcher"], dropped.id, "invalidate", ActionIn(note="重复上报"))
    clock.freeze(MARCH_1 + timedelta(days=40))
    resp = client.get("/api/v1/gridwork/appraisal", params={"month": "2025-03"}, headers=auth("supervisor"))
    assert resp.status_code == 200, resp.text
    [worker] = [w for w in resp.json() if w["username"] == "grid_worker"]
    # P001 daily: 31 due days, 10 checked; P002 weekly, never patrolled in March: due every day → 31 + 31.
    assert (worker["due"], worker["checked"]) == (62, 10)
    assert worker["patrol_rate"] == round(10 / 62, 4)
    assert (worker["reported"], worker["valid_rate"]) == (2, 0.5)
    assert kept.id != dropped.id
    assert client.get("/api/v1/gridwork/appraisal", params={"month": "2025-3"},
                      headers=auth("supervisor")).status_code == 422
    assert client.get("/api/v1/gridwork/appraisal", params={"month": "2025-03"},
                      headers=auth("grid_worker")).status_code == 403
