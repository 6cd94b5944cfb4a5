"""免申即享 fulfilment: tasks opened and withdrawn by eligibility, the 核验 → 审批 → 兑付 machine, area scoping."""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from policy_data import PERSON_HEADER, id_number, import_policies, person_line, person_policy
from sqlalchemy import select
from sqlalchemy.orm import Session

from cityloop.kit import clock
from cityloop.kit.auth import SYSTEM, Subject
from cityloop.kit.errors import Forbidden, InvalidTransition, NotFound, ValidationFailed
from cityloop.policy.fulfilment import service as fulfilment
from cityloop.policy.fulfilment.models import Fulfilment
from cityloop.policy.fulfilment.sla import sweep
from cityloop.policy.fulfilment.states import FINAL, Stage
from cityloop.policy.fulfilment.stats import fulfilment_stats
from cityloop.policy.matching import service as matching
from cityloop.policy.registry.persons import service as persons

START = datetime(2026, 6, 1, 2, tzinfo=UTC)  # a Monday, 10:00 in Shanghai
OLD, OLDER, YOUNG = id_number(date(1940, 1, 1), 1), id_number(date(1925, 5, 5), 2), id_number(date(1990, 1, 1), 3)
serial = itertools.count(100)


def _people(session: Session, *lines: str) -> None:
    persons.import_persons(session, SYSTEM, (PERSON_HEADER + "".join(lines)).encode(), "p.csv")


def _tasks(session: Session) -> list[Fulfilment]:
    return list(session.scalars(select(Fulfilment).order_by(Fulfilment.id)))


@pytest.fixture
def session(engine) -> Iterator[Session]:  # type: ignore[no-untyped-def]
    """A second session: what another request would see after the commits."""
    from cityloop.kit.db import get_sessionmaker

    fresh = get_sessionmaker()()
    yield fresh
    fresh.close()


@pytest.fixture
def opened(world, db: Session) -> list[Fulfilment]:  # type: ignore[no-untyped-def]
    """Two 80+ people of 330106 and a young one; a no-application 高龄津贴 of 100 (or 300 from 90)."""
    clock.freeze(START)
    _people(db, person_line(OLD, "王秀英"), person_line(OLDER, "李建国"), person_line(YOUNG))
    formula = {"if": [{">=": [{"var": "age"}, 90]}, 300, 100]}
    import_policies(db, [person_policy(benefit={"description": "高龄津贴", "formula": formula})])
    return _tasks(db)


def test_newly_eligible_subjects_of_a_no_application_policy_get_one_task_each(opened: list[Fulfilment],
                                                                              db: Session) -> None:
    assert sorted((t.amount, t.stage, t.division_code) for t in opened) == [(100.0, "verify", "330106"),
                                                                          (300.0, "verify", "330106")]
    assert all(t.stage_due and t.stage_due > START for t in opened)
    matching.match(db, SYSTEM)
    import_policies(db, [person_policy(title="高龄津贴（修订）", benefit={"amount": 100})])  # new version
    assert len(_tasks(db)) == 2  # still eligible: no second task for the new version's unchanged standing


def test_an_application_policy_opens_no_tasks(world, db: Session) -> None:  # type: ignore[no-untyped-def]
    clock.freeze(START)
    _people(db, person_line(OLD))
    import_policies(db, [person_policy(no_application=False)])
    assert _tasks(db) == []


def test_a_subject_who_stops_being_eligible_before_payment_is_withdrawn_with_the_reason(
        opened: list[Fulfilment], world, db: Session) -> None:  # type: ignore[no-untyped-def]
    handler = world.subjects["handler"]
    paid = next(t for t in opened if t.amount == 300.0)
    for action in ("verify", "approve", "pay"):
        fulfilment.act(db, handler, paid.id, action)
    _people(db, person_line(OLD, "王秀英", division="330105"), person_line(OLDER, "李建国", division="330105"))
    stages = {t.amount: (t.stage, t.reason) for t in _tasks(db)}
    assert stages[300.0] == ("paid", "")
    assert stages[100.0][0] == "withdrawn"
    assert "西湖区户籍" in stages[100.0][1]
    assert [e.action for e in fulfilment.events(db, handler, next(t.id for t in opened if t.amount == 100.0))] == \
        ["open", "withdraw"]


def test_a_withdrawn_subject_eligible_again_gets_the_same_task_back_at_verification(
        opened: list[Fulfilment], world, db: Session) -> None:  # type: ignore[no-untyped-def]
    handler = world.subjects["handler"]
    task = next(t for t in opened if t.amount == 100.0)
    _people(db, person_line(OLD, "王秀英", division="330105"))
    clock.freeze(START + timedelta(days=10))
    _people(db, person_line(OLD, "王秀英"))  # moved back into the district
    db.refresh(task)
    assert (task.stage, task.reason, task.closed_at, task.overdue) == ("verify", "", None, False)
    assert task.stage_due is not None
    assert task.stage_due > START + timedelta(days=10)
    assert len(_tasks(db)) == 2  # the same task, not a second one for the same version
    assert [e.action for e in fulfilment.events(db, handler, task.id)] == ["open", "withdraw", "reopen"]
    for action in ("verify", "approve", "pay"):
        fulfilment.act(db, handler, task.id, action)
    assert task.stage == "paid"


def test_a_reopened_task_goes_to_the_area_the_subject_lives_in_now(world, db: Session) -> None:  # type: ignore[no-untyped-def]
    clock.freeze(START)
    n = next(serial)
    person = id_number(date(1930, 1, 1), n)
    west_lake = {"label": "西湖区", "rule": {"in": [{"var": "division_code"}, ["330106", "330106001"]]}}
    import_policies(db, [person_policy(pid="P-MOVE", criteria=[person_policy()["criteria"][0], west_lake])])
    _people(db, person_line(person, "周桂兰"))
    _people(db, person_line(person, "周桂兰", division="330105"))
    _people(db, person_line(person, "周桂兰", division="330106001"))  # back, to a street of the district
    [task] = db.scalars(select(Fulfilment).where(Fulfilment.policy_id == "P-MOVE")).all()
    assert (task.stage, task.division_code) == ("verify", "330106001")


ACTIONS = st.lists(st.sampled_from(["verify", "approve", "pay", "reject", "lose", "regain"]), max_size=8)


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(actions=ACTIONS)
def test_no_sequence_pays_without_verify_and_approve_and_final_stages_stay_final(
        world, db: Session, actions: list[str]) -> None:  # type: ignore[no-untyped-def]
    clock.freeze(START)
    n = next(serial)
    person, pid = id_number(date(1930, 1, 1), n), f"P-SM-{n}"
    _people(db, person_line(person, extra={"tag": n}))
    only = {"label": "本例对象", "rule": {"==": [{"var": "extra.tag"}, n]}}
    import_policies(db, [person_policy(pid=pid, criteria=[*person_policy()["criteria"], only])])
    [task] = db.scalars(select(Fulfilment).where(Fulfilment.policy_id == pid)).all()
    handler, done = world.subjects["handler"], ["open"]
    for action in actions:
        before = task.stage
        if action == "lose":
            _people(db, person_line(person, division="330105", extra={"tag": n}))
            done += ["withdraw"] if before not in FINAL else []
        elif action == "regain":  # eligible again: a withdrawn task comes back, paid or rejected ones stay closed
            _people(db, person_line(person, extra={"tag": n}))
            done += ["reopen"] if before == Stage.WITHDRAWN else []
        else:
            try:
                fulfilment.act(db, handler, task.id, action, note="材料不符")
                done.append(action)
            except InvalidTransition:
                assert before in FINAL or action in {"verify", "approve", "pay"}
        db.refresh(task)
        if before in FINAL:
            assert task.stage == (Stage.VERIFY if action == "regain" and before == Stage.WITHDRAWN else before)
    steps = [e.action for e in fulfilment.events(db, handler, task.id)]
    assert steps == done
    if task.stage == Stage.PAID:
        assert steps[:4] == ["open", "verify", "approve", "pay"]


def test_a_handler_of_another_area_sees_nothing_and_cannot_act(opened: list[Fulfilment], world,
                                                               session: Session) -> None:  # type: ignore[no-untyped-def]
    other: Subject = world.subjects["other_handler"]
    assert fulfilment.listing(session, other) == []
    with pytest.raises(NotFound):
        fulfilment.act(session, other, opened[0].id, "verify")
    with pytest.raises(Forbidden):
        fulfilment.listing(session, world.subjects["citizen"])
    with pytest.raises(Forbidden):
        fulfilment.act(session, world.subjects["dispatcher"], opened[0].id, "verify")
    assert {t.id for t in fulfilment.listing(session, world.subjects["handler"])} == {t.id for t in opened}
    assert len(fulfilment.listing(session, world.subjects["supervisor"])) == 2


def test_names_are_masked_for_roles_that_may_not_read_them(opened: list[Fulfilment], world,
                                                           db: Session) -> None:  # type: ignore[no-untyped-def]
    clear = {o.subject_name for o in fulfilment.present(db, world.subjects["handler"], opened)}
    masked = {o.subject_name for o in fulfilment.present(db, world.subjects["supervisor"], opened)}
    assert clear == {"王秀英", "李建国"}
    assert masked == {"王**", "李**"}


def test_a_rejection_needs_a_reason(opened: list[Fulfilment], world, db: Session) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(ValidationFailed):
        fulfilment.act(db, world.subjects["handler"], opened[0].id, "reject", "  ")
    task = fulfilment.act(db, world.subjects["handler"], opened[0].id, "reject", "户籍核验不符")
    assert (task.stage, task.reason) == ("rejected", "户籍核验不符")


def test_overdue_stages_are_marked_once_by_the_sweep(opened: list[Fulfilment], world,
                                                     db: Session) -> None:  # type: ignore[no-untyped-def]
    assert sweep(db, START + timedelta(days=1)).overdue == 0
    assert sweep(db, START + timedelta(days=10)).overdue == 2
    assert sweep(db, START + timedelta(days=11)).overdue == 0
    handler = world.subjects["handler"]
    assert len(fulfilment.listing(db, handler, overdue=True)) == 2
    clock.freeze(START + timedelta(days=10))
    task = fulfilment.act(db, handler, opened[0].id, "verify")
    assert (task.overdue, task.stage) == (False, "approve")
    assert [e.action for e in fulfilment.events(db, handler, task.id)] == ["open", "overdue", "verify"]


def test_stats_per_policy(opened: list[Fulfilment], world, db: Session) -> None:  # type: ignore[no-untyped-def]
    handler = world.subjects["handler"]
    task = next(t for t in opened if t.amount == 300.0)
    fulfilment.act(db, handler, task.id, "verify")
    fulfilment.act(db, handler, task.id, "approve")
    clock.freeze(START + timedelta(days=4))
    fulfilment.act(db, handler, task.id, "pay")
    assert fulfilment_stats(db, ["P-AGE", "NONE"]) == {
        "P-AGE": {"tasks": 2, "paid": 1, "amount_paid": 300.0, "median_days_to_pay": 4.0},
        "NONE": {"tasks": 0, "paid": 0, "amount_paid": 0.0, "median_days_to_pay": None}}
    assert fulfilment_stats(db, ["P-AGE"], "330106")["P-AGE"]["paid"] == 1
    assert fulfilment_stats(db, ["P-AGE"], "330105")["P-AGE"] == {"tasks": 0, "paid": 0, "amount_paid": 0.0,
                                                                 "median_days_to_pay": None}
    from cityloop.policy.dashboard.service import dashboard

    rows = {r.key: r for r in dashboard(db, world.subjects["supervisor"]).policies}
    assert (rows["P-AGE"].paid, rows["P-AGE"].amount) == (1, 300.0)


def test_the_api_lists_shows_and_moves_tasks_with_errors_in_both_languages(opened: list[Fulfilment], client,
                                                                           auth) -> None:  # type: ignore[no-untyped-def]
    task_id = opened[0].id
    listed = client.get("/api/v1/policy/fulfilments?stage=verify&policy=P-AGE&limit=1", headers=auth("handler"))
    assert listed.status_code == 200, listed.text
    assert len(listed.json()) == 1
    assert client.get("/api/v1/policy/fulfilments", headers=auth("other_handler")).json() == []
    assert client.get(f"/api/v1/policy/fulfilments/{task_id}", headers=auth("other_handler")).status_code == 404
    wrong_role = client.post(f"/api/v1/policy/fulfilments/{task_id}/actions", json={"action": "verify"},
                             headers=auth("citizen"))
    assert wrong_role.status_code == 403
    assert set(wrong_role.json()["message"]) == {"zh", "en"}
    wrong_stage = client.post(f"/api/v1/policy/fulfilments/{task_id}/actions", json={"action": "pay"},
                              headers=auth("handler"))
    assert wrong_stage.status_code == 409
    assert "核验" in wrong_stage.json()["message"]["zh"]
    moved = client.post(f"/api/v1/policy/fulfilments/{task_id}/actions", json={"action": "verify", "note": "ok"},
                        headers=auth("handler"))
    assert moved.status_code == 200, moved.text
    assert (moved.json()["stage"], [e["action"] for e in moved.json()["events"]]) == ("approve", ["open", "verify"])
    assert client.get("/api/v1/policy/fulfilments").status_code == 401


def test_a_policy_turned_no_application_opens_tasks_for_those_already_eligible(
        world, db: Session) -> None:  # type: ignore[no-untyped-def]
    clock.freeze(START)
    _people(db, person_line(OLD), person_line(YOUNG))
    import_policies(db, [person_policy(no_application=False)])
    assert _tasks(db) == []
    import_policies(db, [person_policy(no_application=True)])
    assert [(t.policy_version, t.stage) for t in _tasks(db)] == [(2, "verify")]


def test_the_sweep_job_rematches_for_the_day_then_marks_overdue(opened: list[Fulfilment],
                                                                db: Session) -> None:
    from cityloop.policy.fulfilment.tasks import run_sweep
    from cityloop.policy.matching import tasks

    tasks._last.clear()
    clock.freeze(START + timedelta(days=30))
    assert run_sweep().overdue == 2
    assert tasks._last == [date(2026, 7, 1)]
