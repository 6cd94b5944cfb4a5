"""Case visibility: in the caller's area, or assigned to their unit or a unit of their area, for reads and actions."""

from __future__ import annotations

from datetime import UTC, datetime

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from builders import CITY, DISTRICT, OTHER_DISTRICT, OTHER_STREET, PASSWORD, STREET, file_case
from cityloop.accounts import service as accounts
from cityloop.cases import repository
from cityloop.cases.schemas import ActionIn
from cityloop.cases.states import TRANSITIONS, State
from cityloop.cases.workflow import perform
from cityloop.kit import clock
from cityloop.kit.auth import Role
from cityloop.kit.errors import DomainError

MONDAY_10 = datetime(2025, 3, 3, 2, 0, tzinfo=UTC)
UNPLACED = {"channel": "hotline", "appeal_type": "help", "title": "来电求助",
            "content": "来电人未说明地点，请核实处理。"}


def test_a_case_dispatched_from_the_city_reaches_its_unit(client, world, auth) -> None:
    case = client.post("/api/v1/cases", json=UNPLACED, headers=auth("agent")).json()
    assert (case["location"]["division_code"], case["state"]) == (CITY, "received")
    url = f"/api/v1/cases/{case['id']}"
    resp = client.post(f"{url}/actions/dispatch", json={"unit_id": world.units["chengguan"].id},
                       headers=auth("dispatcher"))
    assert resp.status_code == 200, resp.text
    assert client.get(url, headers=auth("handler")).status_code == 200
    listed = client.get("/api/v1/cases", params={"state": "dispatched"}, headers=auth("handler")).json()
    assert case["id"] in [c["id"] for c in listed["items"]]
    resp = client.post(f"{url}/actions/sign", json={}, headers=auth("handler"))
    assert resp.status_code == 200, resp.text
    assert client.get(url, headers=auth("other_handler")).status_code == 404, "other units still see nothing"


def test_assignment_does_not_widen_other_units_views(db, world) -> None:
    clock.freeze(MONDAY_10)
    case = file_case(db, world.subjects["agent"], location={})
    perform(db, world.subjects["dispatcher"], case.id, "dispatch", ActionIn(unit_id=world.units["chengguan"].id))
    assert repository.get_case(db, world.subjects["zj_handler"], case.id) is None
    assert repository.get_case(db, world.subjects["other_dispatcher"], case.id) is None


def test_an_area_covers_the_units_located_in_it(db, world) -> None:
    clock.freeze(MONDAY_10)
    office = accounts.create_unit(db, "西湖区指挥中心", DISTRICT, kind="center", parent=world.units["center"])
    user = accounts.create_user(db, "district_supervisor", PASSWORD, [Role.SUPERVISOR], scope=DISTRICT, unit=office)
    db.commit()
    supervisor = accounts.subject_for_user(db, user)
    ours, theirs = (file_case(db, world.subjects["agent"], location={}) for _ in range(2))
    for case, unit in ((ours, "chengguan"), (theirs, "other_cg")):
        perform(db, world.subjects["dispatcher"], case.id, "dispatch", ActionIn(unit_id=world.units[unit].id))
    assert repository.get_case(db, supervisor, theirs.id) is None
    perform(db, supervisor, ours.id, "urge", ActionIn(note="请尽快签收"))
    assert ours.urge_count == 1


def test_a_handler_no_longer_sees_a_case_reassigned_away(db, world) -> None:
    clock.freeze(MONDAY_10)
    case = file_case(db, world.subjects["agent"], location={})
    perform(db, world.subjects["dispatcher"], case.id, "dispatch", ActionIn(unit_id=world.units["chengguan"].id))
    perform(db, world.subjects["dispatcher"], case.id, "reassign", ActionIn(unit_id=world.units["other_cg"].id))
    assert repository.get_case(db, world.subjects["handler"], case.id) is None
    assert repository.get_case(db, world.subjects["other_handler"], case.id) is not None


# States in which the case waits for its unit to act.
WAITING_FOR_UNIT = {State.DISPATCHED, State.HANDLING}
UNIT_ACTIONS = {State.DISPATCHED: "sign", State.HANDLING: "complete"}
PLACES = [None, CITY, DISTRICT, STREET, OTHER_DISTRICT, OTHER_STREET]
UNITS = ["center", "chengguan", "zhujian", "street", "other_cg"]


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(place=st.sampled_from(PLACES), unit=st.sampled_from(UNITS), sign=st.booleans(),
       reassign_to=st.none() | st.sampled_from(UNITS))
def test_every_case_waiting_for_a_unit_is_actionable_by_one_of_its_users(db, world, place, unit, sign,
                                                                         reassign_to) -> None:
    clock.freeze(MONDAY_10)
    case = file_case(db, world.subjects["agent"], location={"division_code": place} if place else {},
                     category_code=None)
    if case.state == State.RECEIVED:
        perform(db, world.subjects["dispatcher"], case.id, "dispatch", ActionIn(unit_id=world.units[unit].id))
    if sign:
        _try(db, world, case.id, "sign")
    if reassign_to and world.units[reassign_to].id != case.unit_id:
        perform(db, world.subjects["dispatcher"], case.id, "reassign", ActionIn(unit_id=world.units[reassign_to].id))
    assert case.state in WAITING_FOR_UNIT
    members = [name for name, user in world.users.items() if user.unit_id == case.unit_id]
    visible = [m for m in members if repository.get_case(db, world.subjects[m], case.id) is not None]
    assert visible, f"no user of unit {case.unit_id} sees case {case.id} at {case.division_code}"
    action = UNIT_ACTIONS[State(case.state)]
    body = {"reply": "已处理完毕，现场已清理。"} if action == "complete" else {}
    assert any(_acts(db, world, m, case.id, action, body) for m in visible
               if world.subjects[m].has(*TRANSITIONS[action].roles))


def _try(db, world, case_id: int, action: str) -> None:  # type: ignore[no-untyped-def]
    for name in world.users:
        if _acts(db, world, name, case_id, action, {}):
            return


def _acts(db, world, who: str, case_id: int, action: str, body: dict[str, str]) -> bool:  # type: ignore[no-untyped-def]
    try:
        perform(db, world.subjects[who], case_id, action, ActionIn.model_validate(body))
    except DomainError:
        db.rollback()
        return False
    return True
