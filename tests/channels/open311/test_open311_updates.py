"""mySociety's servicerequestupdates: public history events with extended statuses; the status mapping."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from datetime import timedelta
from typing import Any

import pytest
from o311_schemas import ERRORS, UPDATES, validate
from sqlalchemy.orm import Session

from builders import file_case
from cityloop.cases.schemas import ActionIn
from cityloop.cases.states import State
from cityloop.cases.workflow import perform
from cityloop.channels.open311 import statuses
from cityloop.kit import clock

BASE = "/open311/v2"


def test_updates_follow_the_case_through_its_states(client: Any, world: Any, db: Session) -> None:
    s = world.subjects
    case = file_case(db, s["agent"], reporter={"name": "李四", "phone": "13700001111"})  # auto-dispatched
    perform(db, s["street_handler"], case.id, "sign", ActionIn(note="李四家楼下，已联系"))
    duplicate = file_case(db, s["agent"], category_code="040101")
    perform(db, s["dispatcher"], duplicate.id, "merge", ActionIn(into=case.id))
    resp = client.get(f"{BASE}/servicerequestupdates.json")
    assert resp.status_code == 200, resp.text
    validate(resp.json(), UPDATES)
    seen = [(u["service_request_id"], u["status"]) for u in resp.json()]
    assert seen == [(case.number, "open"), (case.number, "action_scheduled"), (case.number, "in_progress"),
                    (duplicate.number, "open"), (case.number, "in_progress"),  # the case it was merged into
                    (duplicate.number, "duplicate")]
    assert resp.json()[2]["description"] == "签收"
    assert client.get(f"{BASE}/servicerequestupdates.json", params={"lang": "en"}).json()[2]["description"] == "Sign"
    text = resp.content.decode()
    assert "李四" not in text
    assert "13700001111" not in text
    root = ET.fromstring(client.get(f"{BASE}/servicerequestupdates.xml").content)
    assert root.tag == "service_requests_updates"
    assert [u.findtext("status") for u in root.findall("request_update")] == [s for _n, s in seen]
    assert root.find("request_update/update_id") is not None


def test_updates_window(client: Any, world: Any, db: Session) -> None:
    now = clock.utcnow()
    clock.freeze(now - timedelta(days=120))
    old = file_case(db, world.subjects["agent"], category_code="040101")
    clock.freeze(None)
    assert client.get(f"{BASE}/servicerequestupdates.json").json() == []
    start = (now - timedelta(days=121)).isoformat()
    got = client.get(f"{BASE}/servicerequestupdates.json", params={"start_date": start}).json()
    assert [u["service_request_id"] for u in got] == [old.number]
    bad = client.get(f"{BASE}/servicerequestupdates.json", params={"start_date": start, "end_date": now.isoformat()})
    assert bad.status_code == 400
    validate(bad.json(), ERRORS)


@pytest.mark.parametrize(("state", "basic", "extended"), [
    (State.RECEIVED, "open", "open"), (State.DISPATCHED, "open", "action_scheduled"),
    (State.HANDLING, "open", "in_progress"), (State.RETURN_REQUESTED, "open", "investigating"),
    (State.SUSPENDED, "open", "investigating"), (State.COMPLETED, "closed", "fixed"),
    (State.VERIFIED, "closed", "fixed"), (State.REVISITED, "closed", "fixed"), (State.CLOSED, "closed", "closed"),
    (State.INVALID, "closed", "no_further_action"), (State.MERGED, "closed", "duplicate"),
])
def test_every_state_has_both_statuses(state: State, basic: str, extended: str) -> None:
    assert (statuses.basic(state), statuses.extended(state)) == (basic, extended)
    assert extended in statuses.EXTENDED_STATUSES
    assert state in statuses.states_for(basic)
