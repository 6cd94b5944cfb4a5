"""SLA sweep: cards, automatic urges, escalation; idempotent."""

from __future__ import annotations

from dataclasses import asdict
from datetime import UTC, datetime, timedelta

from builders import file_case
from cityloop.cases.models import HolidayOverride
from cityloop.cases.repository import events_of
from cityloop.cases.schemas import ActionIn
from cityloop.cases.sla import sweep
from cityloop.cases.workflow import perform
from cityloop.kit import clock

MONDAY_10 = datetime(2025, 3, 3, 2, 0, tzinfo=UTC)


def _new_case(db, world):  # type: ignore[no-untyped-def]
    clock.freeze(MONDAY_10)
    case = file_case(db, world.subjects["agent"])  # 5 working days: due Mon 10 Mar end of day
    perform(db, world.subjects["street_handler"], case.id, "sign", ActionIn())
    return case


def test_cards_turn_yellow_then_red(db, world) -> None:
    case = _new_case(db, world)
    sweep(db, MONDAY_10 + timedelta(days=1))
    assert case.card == "none"
    sweep(db, MONDAY_10 + timedelta(days=5))  # 66% of the time used
    assert case.card == "none"
    sweep(db, MONDAY_10 + timedelta(days=7))  # 92%: yellow at the default 80%
    assert case.card == "yellow"
    sweep(db, MONDAY_10 + timedelta(days=8))
    assert case.card == "red"
    assert case.urge_count == 1


def test_sweep_twice_at_the_same_moment_changes_nothing(db, world) -> None:
    case = _new_case(db, world)
    moment = MONDAY_10 + timedelta(days=9)
    first = sweep(db, moment)
    events = len(events_of(db, case.id))
    version = case.row_version
    second = sweep(db, moment)
    assert first.urges == 1  # Wed 12 Mar, the second late working day: one urge covers the backlog
    assert case.auto_urge_count == 2
    assert not any((asdict(second) | {"scanned": 0}).values())
    assert len(events_of(db, case.id)) == events
    assert case.row_version == version


def test_one_automatic_urge_per_overdue_working_day_then_escalation(db, world) -> None:
    case = _new_case(db, world)
    # Deadline end of Mon 10 Mar; Tue is the 1st late working day, Thu the 3rd → escalated after 3 urges.
    sweep(db, datetime(2025, 3, 11, 2, 0, tzinfo=UTC))
    assert case.urge_count == 1
    sweep(db, datetime(2025, 3, 12, 2, 0, tzinfo=UTC))
    assert case.urge_count == 2
    assert case.escalation_level == 0
    sweep(db, datetime(2025, 3, 13, 2, 0, tzinfo=UTC))
    assert case.urge_count == 3
    assert case.escalation_level == 1
    assert case.grade == "B"
    sweep(db, datetime(2025, 3, 14, 2, 0, tzinfo=UTC))
    assert case.escalation_level == 1, "escalated only once automatically"


def test_completed_cases_are_left_alone(db, world) -> None:
    case = _new_case(db, world)
    perform(db, world.subjects["street_handler"], case.id, "complete", ActionIn(reply="已处理完毕，现场已清理。"))
    report = sweep(db, MONDAY_10 + timedelta(days=30))
    assert report.urges == 0
    assert case.urge_count == 0


def test_holiday_override_extends_deadlines(db, world) -> None:
    clock.freeze(MONDAY_10)
    plain = file_case(db, world.subjects["agent"])
    db.add(HolidayOverride(day=datetime(2025, 3, 5).date(), is_workday=False, note="城市停工日"))
    db.commit()
    from cityloop.cases.calendar_source import forget

    forget()
    with_holiday = file_case(db, world.subjects["agent"])
    assert with_holiday.deadline == plain.deadline + timedelta(days=1)


def test_a_case_not_signed_for_in_time_reminds_its_unit_once(db, world) -> None:  # type: ignore[no-untyped-def]
    from sqlalchemy import select

    from cityloop.accounts.notifications.models import Notification

    clock.freeze(MONDAY_10)
    case = file_case(db, world.subjects["agent"])  # auto-dispatched to the street office: 2 working hours to sign
    assert case.state == "dispatched"
    assert case.sign_deadline is not None
    assert sweep(db, case.sign_deadline - timedelta(minutes=1)).sign_reminders == 0
    assert sweep(db, case.sign_deadline + timedelta(minutes=1)).sign_reminders == 1
    assert sweep(db, case.sign_deadline + timedelta(hours=3)).sign_reminders == 0
    assert [e.action for e in events_of(db, case.id)].count("sign_overdue") == 1
    told = db.scalars(select(Notification.user_id).where(Notification.case_id == case.id,
                                                         Notification.kind == "urged")).all()
    assert told == [world.users["street_handler"].id]
    perform(db, world.subjects["street_handler"], case.id, "sign", ActionIn())
    assert sweep(db, case.sign_deadline + timedelta(days=1)).sign_reminders == 0
