"""Grid tasks: given over visible points by area staff, progress from check-ins since, cards when late."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from cityloop.kit import clock

NOW = datetime(2025, 3, 3, 2, 0, tzinfo=UTC)


def _task(client, auth, user: str = "supervisor", **body: object):  # type: ignore[no-untyped-def]
    payload = {"title": "排查井盖隐患", "kind": "survey", "due_at": (NOW + timedelta(days=2)).isoformat(),
               "point_ids": ["P001", "P002"]} | body
    return client.post("/api/v1/gridwork/tasks", json=payload, headers=auth(user))


def _check_in(client, auth, point: str, lng: float, lat: float, at: datetime) -> None:  # type: ignore[no-untyped-def]
    clock.freeze(at)
    resp = client.post("/api/v1/gridwork/checkins", headers={**auth("grid_worker"), "Idempotency-Key": point},
                       json={"point_id": point, "lng": lng, "lat": lat, "at": at.isoformat(), "result": "ok"})
    assert resp.status_code == 201, resp.text


def test_progress_counts_check_ins_after_the_task_began(client, auth, patrol) -> None:
    clock.freeze(NOW)
    made = _task(client, auth)
    assert made.status_code == 201, made.text
    assert (made.json()["done"], made.json()["total"], made.json()["card"]) == (0, 2, "none")
    _check_in(client, auth, "P001", 120.15, 30.26, NOW + timedelta(hours=1))
    task = client.get(f"/api/v1/gridwork/tasks/{made.json()['id']}", headers=auth("grid_worker")).json()
    assert (task["done"], task["pending_points"]) == (1, ["P002"])
    assert [(w["done"], w["total"]) for w in task["workers"]] == [(1, 2)]
    clock.freeze(NOW + timedelta(days=3))
    late = client.get("/api/v1/gridwork/tasks", headers=auth("supervisor")).json()[0]
    assert late["card"] == "red"


def test_only_area_staff_assign_and_only_over_points_they_see(client, auth, patrol) -> None:
    clock.freeze(NOW)
    assert _task(client, auth, user="grid_worker").status_code == 403
    foreign = _task(client, auth, user="other_dispatcher")
    assert foreign.status_code == 422
    assert "P001" in foreign.json()["details"]["fields"]["point_ids"]["en"]
    past = _task(client, auth, due_at=(NOW - timedelta(hours=1)).isoformat())
    assert past.status_code == 422
    _task(client, auth)
    assert client.get("/api/v1/gridwork/tasks", headers=auth("other_dispatcher")).json() == []
