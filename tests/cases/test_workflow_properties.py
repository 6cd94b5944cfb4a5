"""Property tests: random action sequences by random actors keep the workflow's invariants."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from builders import file_case
from cityloop.cases import repository
from cityloop.cases.schemas import ActionIn
from cityloop.cases.states import TRANSITIONS, State
from cityloop.cases.workflow import perform
from cityloop.kit import clock
from cityloop.kit.errors import DomainError

ACTORS = ["dispatcher", "street_handler", "handler", "supervisor", "grid_worker", "agent", "leader",
          "other_dispatcher"]
BODIES: dict[str, dict[str, object]] = {
    "dispatch": {"unit_id": "street"}, "reassign": {"unit_id": "chengguan"}, "return": {"note": "不属本单位"},
    "request_extension": {"days": 2, "note": "需协调"}, "suspend": {"note": "等待鉴定"},
    "complete": {"reply": "已处理完毕现场已清"}, "verify": {"passed": True}, "revisit": {"satisfaction": "satisfied"},
    "reopen": {"note": "重办"}, "invalidate": {"note": "重复来电"},
}
steps = st.lists(st.tuples(st.sampled_from(ACTORS), st.sampled_from(sorted(TRANSITIONS)), st.booleans(),
                           st.integers(min_value=0, max_value=72)), min_size=1, max_size=25)


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(steps=steps)
def test_random_histories_keep_invariants(db, world, steps) -> None:  # type: ignore[no-untyped-def]
    now = datetime(2025, 3, 3, 2, 0, tzinfo=UTC)
    clock.freeze(now)
    case = file_case(db, world.subjects["agent"], category_code=None)
    applied = 0
    for who, action, flag, hours in steps:
        now += timedelta(hours=hours)
        clock.freeze(now)
        body = dict(BODIES.get(action, {}))
        if "unit_id" in body:
            body["unit_id"] = world.units[str(body["unit_id"])].id
        if action == "verify":
            body = {"passed": flag, "note": "核查"}
        before = (case.state, case.row_version)
        try:
            perform(db, world.subjects[who], case.id, action, ActionIn.model_validate(body))
        except DomainError:
            db.rollback()
            db.refresh(case)
            assert (case.state, case.row_version) == before, "a refused action must change nothing"
            continue
        applied += 1
        t = TRANSITIONS[action]
        assert before[0] in t.sources
        assert world.subjects[who].has(*t.roles)
        if t.target is not None:
            assert case.state == t.target
    events = repository.events_of(db, case.id)
    assert len(events) == 1 + applied  # receive + one per applied action
    for earlier, later in zip(events, events[1:], strict=False):
        assert later.from_state == earlier.to_state, "history is a chain of states"
    assert events[-1].to_state == case.state
    assert case.state in set(State)
    if case.state in {State.DISPATCHED, State.HANDLING, State.RETURN_REQUESTED}:
        assert case.unit_id is not None
    if case.state == State.RECEIVED:
        assert case.unit_id is None
    clock.freeze(None)
