"""Check-ins: 201 within the radius, 422 beyond it or in the future, 404 outside the worker's points, no doubles."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select

from cityloop.cases.models import Case
from cityloop.gridwork.checkins import tags
from cityloop.gridwork.checkins.models import CheckIn
from cityloop.kit import clock

NOW = datetime(2025, 3, 3, 2, 0, tzinfo=UTC)


def _post(client, auth, body: dict[str, object], key: str | None = "k1", user: str = "grid_worker"):  # type: ignore[no-untyped-def]
    headers = {**auth(user), **({"Idempotency-Key": key} if key else {})}
    payload = {"point_id": "P001", "lng": 120.1501, "lat": 30.2601, "at": NOW.isoformat(), "result": "ok",
               "note": ""} | body
    return client.post("/api/v1/gridwork/checkins", json=payload, headers=headers)


def test_a_check_in_near_the_point_is_stored_once_per_key(client, auth, db, patrol) -> None:
    clock.freeze(NOW + timedelta(minutes=1))
    first = _post(client, auth, {})
    assert first.status_code == 201, first.text
    assert first.json()["distance_m"] < 20
    again = _post(client, auth, {})
    assert again.status_code == 200
    assert again.headers["Idempotent-Replayed"] == "true"
    assert again.json()["id"] == first.json()["id"]
    assert db.scalar(select(func.count()).select_from(CheckIn)) == 1


def test_far_future_and_foreign_points_are_refused_and_write_nothing(client, auth, db, patrol) -> None:
    clock.freeze(NOW)
    far = _post(client, auth, {"lng": 120.1600}, key="far")  # ≈ 960 m east
    assert far.status_code == 422
    assert "lng" in far.json()["details"]["fields"]
    future = _post(client, auth, {"at": (NOW + timedelta(hours=1)).isoformat()}, key="future")
    assert future.status_code == 422
    assert "at" in future.json()["details"]["fields"]
    foreign = _post(client, auth, {"point_id": "P003", "lng": 120.17, "lat": 30.30}, key="foreign")
    assert foreign.status_code in (403, 404)
    handler = _post(client, auth, {}, key="h", user="handler")
    assert handler.status_code == 403
    assert db.scalar(select(func.count()).select_from(CheckIn)) == 0


def test_a_signed_tag_is_checked_and_a_forged_one_refused(client, auth, db, patrol) -> None:
    clock.freeze(NOW)
    ok = _post(client, auth, {"token": tags.token_for("P001")}, key="qr")
    assert ok.status_code == 201, ok.text
    assert ok.json()["method"] == "qr"
    other = _post(client, auth, {"token": tags.token_for("P002")}, key="qr2")
    assert other.status_code == 422
    forged = _post(client, auth, {"token": "P001.forged"}, key="qr3")
    assert forged.status_code == 422
    assert "token" in forged.json()["details"]["fields"]


def test_a_problem_becomes_a_grid_case_at_the_point_and_a_resend_does_not_double_it(client, auth, db,
                                                                                     patrol) -> None:
    clock.freeze(NOW)
    body = {"result": "problem", "note": "井盖破损，有坠落风险"}
    first = _post(client, auth, body, key="problem-1")
    assert first.status_code == 201, first.text
    case_id = first.json()["case_id"]
    case = db.get(Case, case_id)
    assert (case.channel, case.lng, case.lat) == ("grid", 120.15, 30.26)
    assert "井盖破损" in case.content
    assert _post(client, auth, body, key="problem-1").json()["case_id"] == case_id
    assert db.scalar(select(func.count()).select_from(Case)) == 1
