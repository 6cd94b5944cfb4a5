"""Workflow rules: roles, scope, states, side paths, optimistic locking, append-only history."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DatabaseError

from builders import DISTRICT, file_case
from cityloop.cases.models import CaseEvent
from cityloop.cases.schemas import ActionIn
from cityloop.cases.workflow import perform
from cityloop.kit import clock
from cityloop.kit.db import get_sessionmaker
from cityloop.kit.errors import Conflict, Forbidden, InvalidTransition, NotFound, ValidationFailed

MONDAY_10 = datetime(2025, 3, 3, 2, 0, tzinfo=UTC)


def act(db, world, who: str, case_id: int, action: str, **body):  # type: ignore[no-untyped-def]
    return perform(db, world.subjects[who], case_id, action, ActionIn.model_validate(body))


def test_dispatch_loop_through_the_api(client, world, auth) -> None:
    body = {"channel": "hotline", "appeal_type": "complain", "title": "来电反映路面积水",
            "content": "道路积水严重，请处理。", "location": {"division_code": DISTRICT}}
    case = client.post("/api/v1/cases", json=body, headers=auth("agent")).json()
    assert case["state"] == "received"
    url = f"/api/v1/cases/{case['id']}/actions"
    steps = [("dispatcher", "dispatch", {"unit_id": world.units["chengguan"].id}), ("handler", "sign", {}),
             ("handler", "complete", {"reply": "已安排疏通排水口，积水已排除。"}),
             ("dispatcher", "verify", {"passed": True}),
             ("agent", "revisit", {"satisfaction": "basically_satisfied"}), ("dispatcher", "close", {})]
    for who, action, payload in steps:
        resp = client.post(f"{url}/{action}", json=payload, headers=auth(who))
        assert resp.status_code == 200, (action, resp.text)
    detail = client.get(f"/api/v1/cases/{case['id']}", headers=auth("supervisor")).json()
    assert detail["state"] == "closed"
    assert [h["action"] for h in detail["history"]][-6:] == [a for _, a, _ in steps]
    assert all(h["actor"] for h in detail["history"])


def test_role_and_state_are_enforced(db, world) -> None:
    case = file_case(db, world.subjects["agent"])
    with pytest.raises(Forbidden):
        act(db, world, "leader", case.id, "sign")
    with pytest.raises(InvalidTransition):
        act(db, world, "dispatcher", case.id, "close")
    with pytest.raises(NotFound):
        act(db, world, "dispatcher", case.id, "teleport")


def test_only_the_case_unit_may_sign(db, world) -> None:
    case = file_case(db, world.subjects["agent"])  # routed to the street office
    with pytest.raises((Forbidden, NotFound)):
        act(db, world, "handler", case.id, "sign")
    act(db, world, "street_handler", case.id, "sign")


def test_out_of_scope_cases_look_missing(db, world, client, auth) -> None:
    case = file_case(db, world.subjects["agent"])
    with pytest.raises(NotFound):
        act(db, world, "other_dispatcher", case.id, "urge")
    assert client.get(f"/api/v1/cases/{case.id}", headers=auth("other_dispatcher")).status_code == 404
    assert client.get("/api/v1/cases", headers=auth("other_dispatcher")).json()["total"] == 0


def test_return_needs_a_reason_and_approval(db, world) -> None:
    case = file_case(db, world.subjects["agent"])
    with pytest.raises(ValidationFailed):
        act(db, world, "street_handler", case.id, "return")
    act(db, world, "street_handler", case.id, "return", note="不属于街道职责")
    assert case.state == "return_requested"
    act(db, world, "dispatcher", case.id, "approve_return")
    assert case.state == "received"
    assert case.unit_id is None
    act(db, world, "dispatcher", case.id, "dispatch", unit_id=world.units["chengguan"].id)
    assert case.state == "dispatched"


def test_rejected_return_keeps_the_case_with_the_unit(db, world) -> None:
    case = file_case(db, world.subjects["agent"])
    act(db, world, "street_handler", case.id, "return", note="人手不足")
    act(db, world, "supervisor", case.id, "reject_return", note="属于街道职责")
    assert case.state == "handling"
    assert case.unit_id == world.units["street"].id


def test_approved_extension_moves_the_deadline_by_working_days(db, world) -> None:
    clock.freeze(MONDAY_10)
    case = file_case(db, world.subjects["agent"])
    act(db, world, "street_handler", case.id, "sign")
    before = case.deadline
    act(db, world, "street_handler", case.id, "request_extension", days=2, note="需协调多个部门")
    with pytest.raises(Conflict):
        act(db, world, "street_handler", case.id, "request_extension", days=1, note="again")
    act(db, world, "supervisor", case.id, "approve_extension")
    assert case.deadline == before + timedelta(days=2)  # Mon 10 Mar → Wed 12 Mar
    assert case.extension_count == 1
    with pytest.raises(InvalidTransition):
        act(db, world, "supervisor", case.id, "approve_extension")


def test_suspension_moves_the_deadline(db, world) -> None:
    clock.freeze(MONDAY_10)
    case = file_case(db, world.subjects["agent"])
    act(db, world, "street_handler", case.id, "sign")
    before = case.deadline
    act(db, world, "supervisor", case.id, "suspend", note="等待司法鉴定")
    clock.freeze(MONDAY_10 + timedelta(days=1))
    act(db, world, "supervisor", case.id, "resume")
    assert case.deadline > before
    assert case.state == "handling"


def test_failed_verification_sends_the_case_back_for_redo(db, world) -> None:
    case = file_case(db, world.subjects["agent"])
    act(db, world, "street_handler", case.id, "sign")
    act(db, world, "street_handler", case.id, "complete", reply="已处理完毕，摊贩已劝离。")
    act(db, world, "grid_worker", case.id, "verify", passed=False, note="现场仍有摊贩")
    assert case.state == "handling"
    assert case.reopen_count == 1
    assert case.completed_at is None


def test_dissatisfied_revisit_can_be_reopened(db, world) -> None:
    case = file_case(db, world.subjects["agent"])
    for who, action, body in [("street_handler", "sign", {}),
                              ("street_handler", "complete", {"reply": "已清理现场并回访群众。"}),
                              ("grid_worker", "verify", {"passed": True}),
                              ("agent", "revisit", {"satisfaction": "dissatisfied"})]:
        act(db, world, who, case.id, action, **body)
    act(db, world, "dispatcher", case.id, "reopen", note="群众不满意，重办")
    assert case.state == "dispatched"
    assert case.reopen_count == 1
    assert case.satisfaction is None


def test_merge_marks_the_duplicate_and_notes_it_on_the_target(db, world) -> None:
    a = file_case(db, world.subjects["agent"], category_code=None)
    b = file_case(db, world.subjects["agent"], category_code=None)
    with pytest.raises(ValidationFailed):
        act(db, world, "dispatcher", a.id, "merge", into=a.id)
    act(db, world, "dispatcher", a.id, "merge", into=b.id, note="同一事项")
    assert a.state == "merged"
    assert a.merged_into_id == b.id
    events = db.query(CaseEvent).filter(CaseEvent.case_id == b.id, CaseEvent.action == "merge").all()
    assert events[0].data == {"merged_from": a.id}


def test_urge_and_escalate_raise_counters_and_grade(db, world) -> None:
    case = file_case(db, world.subjects["agent"])
    act(db, world, "supervisor", case.id, "urge", note="请尽快处理")
    act(db, world, "supervisor", case.id, "escalate", note="群众多次反映")
    assert case.urge_count == 1
    assert (case.escalation_level, case.grade) == (1, "B")


def test_stale_expected_version_is_a_conflict(client, world, auth, db) -> None:
    case = file_case(db, world.subjects["agent"])
    url = f"/api/v1/cases/{case.id}/actions/urge"
    resp = client.post(url, json={"expected_version": case.row_version + 5}, headers=auth("supervisor"))
    assert resp.status_code == 409
    assert resp.json()["message"]["en"]


def test_two_concurrent_transitions_exactly_one_wins(db, world) -> None:
    case = file_case(db, world.subjects["agent"])
    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def run(action: str, body: dict[str, object]) -> None:
        session = get_sessionmaker()()
        try:
            from cityloop.cases import repository

            # Both threads hold the case as loaded before either acts: the window a real race has
            # between reading the case and writing it back.
            held = repository.get_case(session, world.subjects["dispatcher"], case.id)
            assert held is not None
            barrier.wait()
            perform(session, world.subjects["street_handler"], case.id, action, ActionIn.model_validate(body))
            outcomes.append("ok")
        except (Conflict, InvalidTransition):
            outcomes.append("conflict")
        finally:
            session.close()

    threads = [threading.Thread(target=run, args=("sign", {})),
               threading.Thread(target=run, args=("return", {"note": "不归我们管"}))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(outcomes) == ["conflict", "ok"]
    db.expire_all()
    history = db.query(CaseEvent).filter(CaseEvent.case_id == case.id).count()
    assert history == 3  # receive, auto_dispatch and the one winner


def test_history_cannot_be_rewritten(db, world) -> None:
    file_case(db, world.subjects["agent"])
    with pytest.raises(DatabaseError):
        db.execute(text("UPDATE case_events SET note = 'forged'"))
    db.rollback()
    with pytest.raises(DatabaseError):
        db.execute(text("DELETE FROM case_events"))
    db.rollback()
