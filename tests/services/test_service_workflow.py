"""Applications through their states: one 补正 list that stops the clock, acceptance, decision, 好差评 → case."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select
from sqlalchemy.orm import Session

from builders import World
from cityloop.cases.models import Case
from cityloop.kit import clock
from cityloop.kit.calendar import TZ
from cityloop.kit.errors import Conflict, Forbidden, InvalidTransition, ValidationFailed
from cityloop.services.applications import service as applications
from cityloop.services.applications import workflow
from cityloop.services.applications.models import Application, ApplicationEvent
from cityloop.services.applications.states import TRANSITIONS
from cityloop.services.evaluations import service as evaluations
from cityloop.services.schemas import ApplicationIn

pytestmark = pytest.mark.usefixtures("catalogue")
RECORD = "330100-QR-0103-01"  # 新生儿出生户口登记: no guide, promised 1 working day
ALL = ["出生医学证明", "父母居民户口簿", "父母居民身份证", "结婚证"]


def _file(db: Session, world: World) -> Application:
    data = ApplicationIn(item_code=RECORD, materials=ALL)
    return applications.file(db, world.subjects["citizen"], data)


def _step(db: Session, world: World, app: Application, action: str, who: str = "window", **kw: object) -> Application:
    return workflow.act(db, world.subjects[who], app.id, workflow.Act(action, **kw))  # type: ignore[arg-type]


def test_correction_stops_the_clock_and_is_asked_once(db: Session, world: World) -> None:
    clock.freeze(datetime(2026, 11, 2, 9, 0, tzinfo=TZ))  # a Monday
    app = _file(db, world)
    due = app.deadline
    _step(db, world, app, "request_correction", missing=["父母居民户口簿（需原件）", "结婚证（复印件不清晰）"])
    assert applications.present(app, world.subjects["window"]).card == "none"
    clock.freeze(datetime(2026, 11, 4, 9, 0, tzinfo=TZ))  # two working days in correction
    _step(db, world, app, "resubmit", who="citizen", materials=["结婚证"])
    assert app.deadline.date() - due.date() >= timedelta(days=2)
    with pytest.raises(Conflict):  # 一次性告知: the list was complete the first time
        _step(db, world, app, "request_correction", missing=["再要一样"])


def test_the_walk_to_a_bad_rating_opens_a_rectification_case(db: Session, world: World) -> None:
    app = _file(db, world)
    for action, note in (("accept", ""), ("review", ""), ("approve", "准予登记。"), ("deliver", "")):
        _step(db, world, app, action, note=note)
    assert app.state == "delivered"
    assert app.decision == "准予登记。"
    with pytest.raises(ValidationFailed):  # a 差评 says why
        evaluations.rate(db, world.subjects["citizen"], app.id, 1)
    ev = evaluations.rate(db, world.subjects["citizen"], app.id, 1, "窗口让我跑了三趟")
    case = db.scalars(select(Case).where(Case.id == ev.case_id)).one()
    assert "好差评" in case.title
    assert case.state == "received"  # 待派单: in the dispatcher's queue
    with pytest.raises(Conflict):
        evaluations.rate(db, world.subjects["citizen"], app.id, 5)
    actions = [e.action for e in db.scalars(select(ApplicationEvent).order_by(ApplicationEvent.id))]
    assert actions == ["file", "accept", "review", "approve", "deliver"]


def test_a_good_rating_opens_no_case_and_only_the_applicant_rates(db: Session, world: World) -> None:
    app = _file(db, world)
    with pytest.raises(InvalidTransition):
        evaluations.rate(db, world.subjects["citizen"], app.id, 5)
    _step(db, world, app, "accept")
    _step(db, world, app, "approve", note="准予。")
    with pytest.raises(Forbidden):
        evaluations.rate(db, world.subjects["window"], app.id, 5)
    assert evaluations.rate(db, world.subjects["citizen"], app.id, 5).case_id is None


def test_only_window_staff_handle_and_refusals_need_a_reason(db: Session, world: World) -> None:
    app = _file(db, world)
    with pytest.raises(Forbidden):
        _step(db, world, app, "accept", who="citizen")
    with pytest.raises(ValidationFailed):
        _step(db, world, app, "reject")


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.sampled_from(sorted(TRANSITIONS)), max_size=6))
def test_any_sequence_follows_the_transition_table(db: Session, world: World, actions: list[str]) -> None:
    app = _file(db, world)
    for action in actions:
        who = "citizen" if action == "resubmit" else "window"
        before = app.state
        try:
            _step(db, world, app, action, who, note="理由", missing=["材料"])
        except (InvalidTransition, Conflict):
            db.rollback()
            db.refresh(app)
            assert app.state == before
            continue
        assert before in TRANSITIONS[action][0]
        assert app.state == TRANSITIONS[action][1]


def test_late_applications_are_urged_daily_and_escalated_once(db: Session, world: World) -> None:
    from cityloop.services.applications.sla import sweep

    clock.freeze(datetime(2026, 11, 2, 9, 0, tzinfo=TZ))  # Monday; due by the end of Tuesday
    app = _file(db, world)
    assert sweep(db, datetime(2026, 11, 3, 12, 0, tzinfo=TZ)).urged == 0
    first = sweep(db, datetime(2026, 11, 4, 12, 0, tzinfo=TZ))
    assert (first.late, first.urged) == (1, 1)
    assert sweep(db, datetime(2026, 11, 4, 16, 0, tzinfo=TZ)).urged == 0  # once a day
    for day in (5, 6, 9, 10):
        sweep(db, datetime(2026, 11, day, 12, 0, tzinfo=TZ))
    actions = [e.action for e in db.scalars(select(ApplicationEvent).where(ApplicationEvent.application_id == app.id))]
    assert actions.count("urge") == 5
    assert actions.count("escalate") == 1
