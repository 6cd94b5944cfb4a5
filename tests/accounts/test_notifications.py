"""站内信: an urge needs a note and reaches the dispatched unit's handlers, and only them."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from builders import case_in


def _dispatched(client, auth, world, unit: str = "chengguan") -> int:  # type: ignore[no-untyped-def]
    body = case_in(category_code=None).model_dump(mode="json", exclude_none=True)
    case_id = int(client.post("/api/v1/cases", json=body, headers=auth("agent")).json()["id"])
    resp = client.post(f"/api/v1/cases/{case_id}/actions/dispatch", json={"unit_id": world.units[unit].id},
                       headers=auth("dispatcher"))
    assert resp.status_code == 200, resp.text
    return case_id


def _inbox(client, auth, user: str, **params: str) -> dict[str, object]:  # type: ignore[no-untyped-def]
    resp = client.get("/api/v1/notifications", params=params, headers=auth(user))
    assert resp.status_code == 200, resp.text
    return resp.json()  # type: ignore[no-any-return]


def test_an_urge_without_a_note_is_refused_and_tells_nobody(client, auth, world) -> None:
    case_id = _dispatched(client, auth, world)
    before = _inbox(client, auth, "handler")["total"]
    resp = client.post(f"/api/v1/cases/{case_id}/actions/urge", json={}, headers=auth("supervisor"))
    assert resp.status_code == 422
    assert "note" in resp.json()["details"]["fields"]
    assert _inbox(client, auth, "handler")["total"] == before
    assert client.get(f"/api/v1/cases/{case_id}", headers=auth("supervisor")).json()["urge_count"] == 0


def test_an_urge_with_a_note_reaches_the_units_handlers_unread(client, auth, world) -> None:
    case_id = _dispatched(client, auth, world)
    resp = client.post(f"/api/v1/cases/{case_id}/actions/urge", json={"note": "群众再次来电，请今天内处理"},
                       headers=auth("supervisor"))
    assert resp.status_code == 200, resp.text
    box = _inbox(client, auth, "handler")
    urges = [n for n in box["items"] if n["kind"] == "urged"]
    assert len(urges) == 1
    assert urges[0]["case_id"] == case_id
    assert urges[0]["read"] is False
    assert "群众再次来电" in urges[0]["text"]
    assert box["unread"] >= 1
    assert not [n for n in _inbox(client, auth, "zj_handler")["items"] if n["case_id"] == case_id]


def test_reading_marks_only_ones_own_notices(client, auth, world) -> None:
    case_id = _dispatched(client, auth, world)
    [first, *_] = _inbox(client, auth, "handler")["items"]
    assert first["kind"] == "dispatched"
    assert first["case_id"] == case_id
    assert client.post(f"/api/v1/notifications/{first['id']}/read", headers=auth("zj_handler")).status_code == 404
    assert client.post(f"/api/v1/notifications/{first['id']}/read", headers=auth("handler")).json()["marked"] == 1
    assert _inbox(client, auth, "handler", unread="true")["total"] == 0
    _dispatched(client, auth, world)
    assert client.post("/api/v1/notifications/read-all", headers=auth("handler")).json()["marked"] == 1
    assert _inbox(client, auth, "handler")["unread"] == 0


def test_a_return_decision_goes_back_to_the_handler_who_asked(client, auth, world) -> None:
    case_id = _dispatched(client, auth, world)
    path = f"/api/v1/cases/{case_id}/actions"
    assert client.post(f"{path}/return", json={"note": "非本单位职责"}, headers=auth("handler")).status_code == 200
    assert client.post(f"{path}/reject_return", json={"note": "属于城管职责"},
                       headers=auth("dispatcher")).status_code == 200
    [decision] = [n for n in _inbox(client, auth, "handler")["items"] if n["kind"] == "return_rejected"]
    assert "属于城管职责" in decision["text"]


UNITS = ["chengguan", "zhujian", "street", "other_cg"]
HANDLERS = {"chengguan": "handler", "zhujian": "zj_handler", "street": "street_handler",
            "other_cg": "other_handler"}


@settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.sampled_from(UNITS), min_size=1, max_size=4))
def test_notices_reach_only_users_of_the_unit_that_holds_the_case(client, auth, world, units: list[str]) -> None:
    for unit in units:
        case_id = _dispatched(client, auth, world, unit)
        client.post(f"/api/v1/cases/{case_id}/actions/urge", json={"note": "请加快"}, headers=auth("supervisor"))
    for unit, user in HANDLERS.items():
        for n in _inbox(client, auth, user, limit="500")["items"]:
            held_by = client.get(f"/api/v1/cases/{n['case_id']}", headers=auth("supervisor")).json()["unit"]
            assert held_by["id"] == world.units[unit].id
