"""Early-warning alerts over live cases: spike and repeat detection, idempotent scan, scoping, actions, API."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from intel_builders import SPIKE_DAY, at, file_on, seed_spike
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from builders import DISTRICT, OTHER_STREET, PASSWORD, STREET, World
from cityloop.accounts import service as accounts
from cityloop.intel.alerts import service as alerts
from cityloop.intel.alerts.models import Alert, AlertAction, AlertEvent, AlertKind, AlertState
from cityloop.intel.alerts.routes import router as alert_router
from cityloop.kit import clock
from cityloop.kit.auth import SYSTEM, Role, Subject
from cityloop.kit.errors import Forbidden, InvalidTransition, NotFound


def district_supervisor(db: Session, w: World, name: str = "d_supervisor", scope: str = DISTRICT) -> Subject:
    """A supervisor of one district only."""
    user = accounts.create_user(db, name, PASSWORD, [Role.SUPERVISOR], scope=scope, unit=w.units["chengguan"])
    db.commit()
    return accounts.subject_for_user(db, user)


def scan_spike_day(db: Session) -> alerts.ScanReport:
    return alerts.scan(db, at(SPIKE_DAY, 20))


def test_spike_on_seeded_cases_becomes_an_open_alert_routed_to_the_area(db: Session, world: World) -> None:
    ids = seed_spike(db, world)
    report = scan_spike_day(db)
    spikes = db.scalars(select(Alert).where(Alert.kind == AlertKind.SPIKE)).all()
    assert report.by_kind.get("spike") == len(spikes) == 1
    alert = spikes[0]
    assert (alert.day, alert.division_code, alert.category_code) == (SPIKE_DAY, STREET, "010201")
    assert alert.observed == len(ids)
    assert alert.expected < 2
    assert alert.p_value < 0.001
    assert alert.state == AlertState.OPEN
    assert alert.unit_id == world.units["street"].id  # the area office of the street
    events = db.scalars(select(AlertEvent).where(AlertEvent.alert_id == alert.id)).all()
    assert [e.action for e in events] == ["raise"]


def test_quiet_history_raises_nothing(db: Session, world: World) -> None:
    seed_spike(db, world, spike=1)
    assert scan_spike_day(db).created == 0


def test_scan_is_idempotent(db: Session, world: World) -> None:
    seed_spike(db, world)
    first = scan_spike_day(db)
    second = scan_spike_day(db)
    assert first.created >= 1
    assert second.created == 0
    assert db.scalar(select(Alert.id).order_by(Alert.id.desc())) == first.created


def test_repeated_caller_and_place(db: Session, world: World) -> None:
    for back in (2, 1, 0):
        file_on(db, world, SPIKE_DAY - timedelta(days=back), reporter={"name": "王五", "phone": "13700001111"})
        file_on(db, world, SPIKE_DAY - timedelta(days=back),
                location={"address": "北山街道幸福小区3幢", "division_code": STREET})
    scan_spike_day(db)
    kinds = {a.kind: a for a in db.scalars(select(Alert)).all()}
    assert {AlertKind.REPEAT_CALLER, AlertKind.REPEAT_PLACE} <= set(kinds)
    caller = kinds[AlertKind.REPEAT_CALLER]
    assert caller.observed == 3
    assert len(caller.evidence["case_ids"]) == 3
    assert "13700001111" not in caller.key  # keyed on the blind index, never the phone number
    assert kinds[AlertKind.REPEAT_PLACE].key == "北山街道幸福小区3幢"
    assert caller.division_code == STREET


def test_a_repeat_being_handled_is_not_raised_again_next_day(db: Session, world: World) -> None:
    phone = {"name": "王五", "phone": "13700002222"}
    for back in (2, 1, 0):
        file_on(db, world, SPIKE_DAY - timedelta(days=back), reporter=phone)
    scan_spike_day(db)
    file_on(db, world, SPIKE_DAY + timedelta(days=1), reporter=phone)
    alerts.scan(db, at(SPIKE_DAY + timedelta(days=1), 20))
    assert len(db.scalars(select(Alert).where(Alert.kind == AlertKind.REPEAT_CALLER)).all()) == 1


def test_district_supervisor_sees_only_their_district(db: Session, world: World) -> None:
    seed_spike(db, world, STREET)
    seed_spike(db, world, OTHER_STREET)
    scan_spike_day(db)
    mine = alerts.current(db, district_supervisor(db, world))
    assert mine
    assert {a["division_code"] for a in mine} == {STREET}
    everyone = alerts.current(db, world.subjects["supervisor"])
    assert {a["division_code"] for a in everyone} == {STREET, OTHER_STREET}
    other = next(a for a in everyone if a["division_code"] == OTHER_STREET)
    with pytest.raises(NotFound):
        alerts.act(db, district_supervisor(db, world, "d2", DISTRICT), other["id"], AlertAction.ACKNOWLEDGE)


def test_current_has_readable_titles_for_the_board(db: Session, world: World) -> None:
    seed_spike(db, world)
    scan_spike_day(db)
    (item,) = alerts.current(db, world.subjects["supervisor"])
    assert "垃圾清运不及时" in item["title"]
    assert "北山街道" in item["title"]


def test_actions_follow_the_transition_table_and_leave_events(db: Session, world: World) -> None:
    seed_spike(db, world)
    scan_spike_day(db)
    alert_id = db.scalar(select(Alert.id))
    assert alert_id is not None
    sup = world.subjects["supervisor"]
    clock.freeze(at(SPIKE_DAY, 21))
    alert = alerts.act(db, sup, alert_id, AlertAction.ACKNOWLEDGE, "在查")
    assert alert.state == AlertState.ACKNOWLEDGED
    assert alert.assignee_id == sup.id
    with pytest.raises(InvalidTransition):
        alerts.act(db, sup, alert_id, AlertAction.ACKNOWLEDGE)
    assert alerts.act(db, sup, alert_id, AlertAction.RESOLVE, "已清运").state == AlertState.RESOLVED
    with pytest.raises(InvalidTransition):
        alerts.act(db, sup, alert_id, AlertAction.DISMISS)
    history = alerts.history(db, sup, alert_id)
    assert [(e.action, e.from_state, e.to_state, e.note) for e in history] == [
        ("raise", None, "open", ""), ("acknowledge", "open", "acknowledged", "在查"),
        ("resolve", "acknowledged", "resolved", "已清运")]
    assert alerts.current(db, sup) == []


def test_roles(db: Session, world: World) -> None:
    seed_spike(db, world)
    scan_spike_day(db)
    alert_id = db.scalar(select(Alert.id))
    assert alert_id is not None
    with pytest.raises(Forbidden):
        alerts.current(db, world.subjects["handler"])
    assert alerts.current(db, world.subjects["dispatcher"])  # dispatchers read them…
    with pytest.raises(Forbidden):
        alerts.act(db, world.subjects["dispatcher"], alert_id, AlertAction.DISMISS)  # …but do not close them
    assert alerts.act(db, world.subjects["leader"], alert_id, AlertAction.DISMISS).state == AlertState.DISMISSED


def test_alert_history_is_append_only(db: Session, world: World) -> None:
    seed_spike(db, world)
    scan_spike_day(db)
    with pytest.raises(Exception, match="append-only"):
        db.execute(update(AlertEvent).values(note="x"))
    db.rollback()


def test_api_lists_and_acts(client: TestClient, auth: Any, db: Session, world: World) -> None:
    if not any(getattr(r, "path", "") == "/api/v1/alerts" for r in client.app.routes):  # type: ignore[attr-defined]
        client.app.include_router(alert_router)  # type: ignore[attr-defined]
    seed_spike(db, world)
    alerts.scan(db, at(SPIKE_DAY, 20))
    resp = client.get("/api/v1/alerts", params={"state": "open", "kind": "spike"}, headers=auth("supervisor"))
    assert resp.status_code == 200, resp.text
    body = resp.json()
    assert body["total"] == 1
    assert body["items"][0]["division_code"] == STREET
    item = body["items"][0]
    url = f"/api/v1/alerts/{item['id']}/actions/acknowledge"
    stale = client.post(url, json={"row_version": item["row_version"] + 5}, headers=auth("supervisor"))
    assert stale.status_code == 409
    resp = client.post(url, json={"note": "ok", "row_version": item["row_version"]}, headers=auth("supervisor"))
    assert resp.status_code == 200
    assert resp.json()["state"] == "acknowledged"
    assert client.post(url, headers=auth("supervisor")).status_code == 409
    assert client.post(url.replace("acknowledge", "explode"), headers=auth("supervisor")).status_code == 422
    assert client.get("/api/v1/alerts", headers=auth("handler")).status_code == 403
    other = client.get("/api/v1/alerts", headers=auth("other_dispatcher")).json()
    assert other["total"] == 0
    events = client.get(f"/api/v1/alerts/{item['id']}/events", headers=auth("supervisor")).json()
    assert [e["action"] for e in events] == ["raise", "acknowledge"]
    assert client.get("/api/v1/alerts/99999999999/events", headers=auth("supervisor")).status_code == 404


def test_scan_task_runs_in_its_own_session(db: Session, world: World) -> None:
    from cityloop.intel.tasks import run_scan

    seed_spike(db, world)
    clock.freeze(at(SPIKE_DAY, 20))
    assert run_scan().created >= 1
    assert db.scalar(select(Alert.id)) is not None
    assert alerts.scan(db, at(SPIKE_DAY, 20)).created == 0
    assert SYSTEM.has(Role.SUPERVISOR)


def test_supervisor_acts_on_alerts_from_the_board(db: Session, world: World, engine: object) -> None:
    from cityloop.app import create_app
    from cityloop.web.security import CSRF_COOKIE

    seed_spike(db, world)
    scan_spike_day(db)
    alert = db.scalars(select(Alert)).one()
    with TestClient(create_app()) as c:
        c.get("/login")
        token = c.cookies[CSRF_COOKIE]
        c.post("/login", data={"username": "supervisor", "password": PASSWORD, "csrf_token": token})
        board = c.get("/supervise").text
        assert f'action="/supervise/alerts/{alert.id}/acknowledge"' in board
        done = c.post(f"/supervise/alerts/{alert.id}/acknowledge", data={"csrf_token": token},
                      follow_redirects=False)
        assert done.status_code == 303
        db.expire_all()
        assert db.get(Alert, alert.id).state == AlertState.ACKNOWLEDGED  # type: ignore[union-attr]
        board = c.get("/supervise").text
        assert f'action="/supervise/alerts/{alert.id}/acknowledge"' not in board
        assert f'action="/supervise/alerts/{alert.id}/resolve"' in board
        forged = c.post(f"/supervise/alerts/{alert.id}/resolve", data={}, follow_redirects=False)
        assert forged.status_code in (400, 403)  # no CSRF token
        bogus = c.post(f"/supervise/alerts/{alert.id}/explode", data={"csrf_token": token}, follow_redirects=False)
        assert bogus.status_code in (400, 422)
        c.post(f"/supervise/alerts/{alert.id}/resolve", data={"csrf_token": token, "note": "已清理"})
        db.expire_all()
        assert db.get(Alert, alert.id).state == AlertState.RESOLVED  # type: ignore[union-attr]
        assert f'data-alert="{alert.id}"' not in c.get("/supervise").text
