"""The dispatch stage is timed: working-minute limit, cards, urges to the area's dispatchers, escalation."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from builders import OTHER_DISTRICT, file_case
from cityloop.cases.models import Case
from cityloop.cases.repository import events_of
from cityloop.cases.schemas import ActionIn
from cityloop.cases.sla import sweep
from cityloop.cases.workflow import perform
from cityloop.kit import clock

MONDAY_10 = datetime(2025, 3, 3, 2, 0, tzinfo=UTC)  # 10:00 in Shanghai
FRIDAY_20 = datetime(2025, 2, 28, 12, 0, tzinfo=UTC)


def _waiting(db, world, at: datetime = MONDAY_10, **location: str) -> Case:  # type: ignore[no-untyped-def]
    clock.freeze(at)
    case = file_case(db, world.subjects["agent"], location=location, category_code=None)
    assert case.state == "received"
    return case


def _system_events(db, case: Case, action: str) -> list[dict[str, object]]:  # type: ignore[no-untyped-def]
    return [e.data for e in events_of(db, case.id) if e.action == action and e.actor_kind == "system"]


def test_the_dispatch_limit_counts_working_minutes(db, world) -> None:
    assert _waiting(db, world).dispatch_deadline == MONDAY_10 + timedelta(minutes=30)
    # Received Friday 20:00: the office opens Monday 09:00, so the 30 minutes run out at 09:30.
    assert _waiting(db, world, FRIDAY_20).dispatch_deadline == datetime(2025, 3, 3, 1, 30, tzinfo=UTC)


def test_a_case_waiting_for_dispatch_gets_cards_and_an_urge_to_the_dispatchers(db, world) -> None:
    case = _waiting(db, world)
    sweep(db, MONDAY_10 + timedelta(minutes=20))
    assert case.card == "none"
    sweep(db, MONDAY_10 + timedelta(minutes=25))
    assert case.card == "yellow"
    report = sweep(db, MONDAY_10 + timedelta(minutes=31))
    assert case.card == "red"
    assert (report.urges, report.dispatch_urges, case.urge_count) == (1, 1, 1)
    [urge] = _system_events(db, case, "urge")
    assert urge["stage"] == "dispatch"
    assert urge["to"] == {"role": "dispatcher", "division_code": "3301",
                          "user_ids": [world.users["dispatcher"].id]}
    assert {e["stage"] for e in _system_events(db, case, "card")} == {"dispatch"}


def test_urges_go_to_the_dispatchers_of_the_narrowest_area(db, world) -> None:
    case = _waiting(db, world, division_code=OTHER_DISTRICT)
    sweep(db, MONDAY_10 + timedelta(hours=1))
    [urge] = _system_events(db, case, "urge")
    assert urge["to"] == {"role": "dispatcher", "division_code": OTHER_DISTRICT,
                          "user_ids": [world.users["other_dispatcher"].id]}


def test_dispatch_lateness_is_escalated_after_the_configured_urges(db, world) -> None:
    case = _waiting(db, world)
    reports = [sweep(db, MONDAY_10 + timedelta(days=d, hours=1)) for d in range(4)]  # Mon..Thu
    assert [r.dispatch_urges for r in reports] == [1, 1, 1, 1]
    assert [r.dispatch_escalations for r in reports] == [0, 0, 1, 0]
    assert (case.urge_count, case.escalation_level, case.grade) == (4, 1, "B")


def test_the_history_names_the_dispatch_stage(client, db, world, auth) -> None:
    case = _waiting(db, world)
    sweep(db, MONDAY_10 + timedelta(hours=1))
    detail = client.get(f"/api/v1/cases/{case.id}", headers=auth("supervisor")).json()
    assert datetime.fromisoformat(detail["dispatch_deadline"]) == MONDAY_10 + timedelta(minutes=30)
    assert (detail["card"], detail["urge_count"]) == ("red", 1)
    assert "派单超时督办" in [h["label"] for h in detail["history"]]
    english = client.get(f"/api/v1/cases/{case.id}", params={"lang": "en"}, headers=auth("supervisor")).json()
    assert "Urge: dispatch overdue" in [h["label"] for h in english["history"]]


def test_dispatching_ends_the_dispatch_clock(db, world) -> None:
    case = _waiting(db, world)
    sweep(db, MONDAY_10 + timedelta(hours=1))
    clock.freeze(MONDAY_10 + timedelta(hours=2))
    perform(db, world.subjects["dispatcher"], case.id, "dispatch", ActionIn(unit_id=world.units["chengguan"].id))
    assert (case.card, case.auto_urge_count) == ("none", 0)
    report = sweep(db, MONDAY_10 + timedelta(hours=3))
    assert (report.urges, case.card, case.urge_count) == (0, "none", 1)
    assert case.dispatch_deadline < case.dispatched_at, "即时分转率 still sees the late first dispatch"


def test_a_returned_case_gets_a_fresh_dispatch_limit(db, world) -> None:
    case = _waiting(db, world)
    perform(db, world.subjects["dispatcher"], case.id, "dispatch", ActionIn(unit_id=world.units["chengguan"].id))
    perform(db, world.subjects["handler"], case.id, "return", ActionIn(note="不属本单位职责"))
    clock.freeze(MONDAY_10 + timedelta(days=1))
    perform(db, world.subjects["supervisor"], case.id, "approve_return", ActionIn())
    assert sweep(db, MONDAY_10 + timedelta(days=1, minutes=20)).urges == 0
    assert case.card == "none"
    assert sweep(db, MONDAY_10 + timedelta(days=1, minutes=31)).dispatch_urges == 1
