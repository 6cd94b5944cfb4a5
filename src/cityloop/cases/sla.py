"""SLA sweep: cards, automatic urges and escalation for the dispatch and handling stages; idempotent for a moment."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from cityloop.accounts import repository as accounts_repo
from cityloop.accounts.notifications.service import Notice, notify_unit, notify_users
from cityloop.cases import repository as repo
from cityloop.cases.calendar_source import calendar, dispatch_due
from cityloop.cases.models import Case, CaseEvent
from cityloop.cases.states import Card, Stage, State
from cityloop.cases.workflow import escalate
from cityloop.config import get_settings
from cityloop.kit.auth import SYSTEM, Role
from cityloop.kit.calendar import card
from cityloop.kit.clock import to_local, utcnow

# A working-day deadline ends at 23:59:59.999999: the case turns red on the next day.
_TICK = timedelta(microseconds=1)
SWEPT_STATES = [State.RECEIVED, State.DISPATCHED, State.HANDLING, State.RETURN_REQUESTED]


@dataclass
class SweepReport:
    """What one sweep changed; `urges` and `escalations` include those of the dispatch stage."""

    scanned: int = 0
    cards: int = 0
    urges: int = 0
    escalations: int = 0
    conflicts: int = 0
    dispatch_urges: int = 0
    dispatch_escalations: int = 0
    sign_reminders: int = 0


@dataclass(frozen=True)
class _Clock:
    """The stage a case waits in, when its clock started, when it runs out and whom urges are addressed to."""

    stage: Stage
    start: datetime
    due: datetime
    to: dict[str, Any]


def sweep(session: Session, now: datetime | None = None, batch: int = 500) -> SweepReport:
    """Update cards, urge late cases at most once per sweep and overdue working day, escalate after N urges."""
    sweeper = _Sweeper(session, now or utcnow())
    last_id = 0
    while True:
        cases = repo.sweepable_cases(session, SYSTEM, SWEPT_STATES, last_id, batch)
        if not cases:
            return sweeper.report
        for case in cases:
            sweeper.sweep_case(case)
        last_id = cases[-1].id
        try:
            session.commit()
        except StaleDataError:
            # A user acted on one of these cases meanwhile; the next sweep looks at it again.
            session.rollback()
            sweeper.report.conflicts += 1


class _Sweeper:
    """One sweep's settings, calendar, addressee cache and report."""

    def __init__(self, session: Session, now: datetime) -> None:
        settings = get_settings()
        self.session, self.now, self.report = session, now, SweepReport()
        self.cal = calendar(session)
        self.yellow = settings.yellow_share
        self.escalate_after = max(settings.escalate_after_urges, 1)
        self.earliest: date = settings.received_at_earliest
        self._dispatchers: dict[str, dict[str, Any]] = {}

    def sweep_case(self, case: Case) -> None:
        """Card, urge and escalate one case against the clock of the stage it waits in."""
        self.report.scanned += 1
        clock = self._clock(case)
        new_card = card(clock.start, clock.due, self.now, self.yellow)
        if new_card != case.card:
            self._event(case, "card", {"from": case.card, "to": new_card, "stage": clock.stage})
            case.card = new_card
            self.report.cards += 1
        if new_card == Card.RED:
            self._urge(case, clock)
        self._remind_sign_off(case)

    def _remind_sign_off(self, case: Case) -> None:
        """Once per dispatch, tell the unit a case still waits for its sign-off (签收) past the sign deadline."""
        due = case.sign_deadline
        if case.state != State.DISPATCHED or case.signed_at is not None or due is None or self.now <= due:
            return
        # A reminder after this deadline passed covers it; a reassignment sets a later deadline, due its own.
        reminded = repo.last_event_at(self.session, case.id, "sign_overdue")
        if reminded is not None and reminded > due:
            return
        self._event(case, "sign_overdue", {"automatic": True, "unit_id": case.unit_id, "sign_deadline":
                                           due.isoformat()})
        if case.unit_id is not None:
            notify_unit(self.session, case.unit_id, Notice(
                "urged", f"签收超时：{case.number}「{case.title}」已派至本单位，请尽快签收",
                f"Sign-off overdue: case {case.number} was dispatched to your unit; please sign for it",
                case.id, "系统自动"))
        self.report.sign_reminders += 1

    def _urge(self, case: Case, clock: _Clock) -> None:
        late = self._late_workdays(clock.due)
        if case.auto_urge_count >= late:
            return
        # One urge per sweep however long the backlog (a sweep that was down, a centuries-old deadline): the
        # counter records the late working days now covered, the urge count the urges actually sent.
        before, case.auto_urge_count = case.auto_urge_count, late
        case.urge_count += 1
        self._event(case, "urge", {"automatic": True, "stage": clock.stage, "late_workdays": late,
                                   "urge_count": case.urge_count, "to": clock.to})
        self._tell(case, clock, late)
        dispatch = clock.stage == Stage.DISPATCH
        self.report.urges += 1
        self.report.dispatch_urges += int(dispatch)
        if before < self.escalate_after <= late:
            # Once per stage: the counter restarts when a new stage begins (dispatch, return, reopen).
            self._event(case, "escalate", {"automatic": True, "stage": clock.stage, **escalate(case)})
            self.report.escalations += 1
            self.report.dispatch_escalations += int(dispatch)

    def _tell(self, case: Case, clock: _Clock, late: int) -> None:
        stage_zh = "派单" if clock.stage == Stage.DISPATCH else "办理"
        notice = Notice("urged", f"系统自动督办：{case.number}「{case.title}」{stage_zh}已超时 {late} 个工作日",
                        f"Automatic urge: case {case.number} is {late} working day(s) late ({clock.stage})",
                        case.id, "系统自动")
        if clock.to.get("user_ids"):
            notify_users(self.session, clock.to["user_ids"], notice)
        elif clock.to.get("unit_id"):
            notify_unit(self.session, int(clock.to["unit_id"]), notice)

    def _late_workdays(self, due: datetime) -> int:
        """1 on the day the case turned red, plus one for each working day since."""
        # Never counting from before the receipt-time floor keeps a legacy row's absurd deadline cheap to price.
        red_day = max(to_local(due + _TICK).date(), self.earliest)
        return 1 + max(self.cal.workdays_between(red_day, to_local(self.now).date()), 0)

    def _clock(self, case: Case) -> _Clock:
        if case.state != State.RECEIVED:
            assert case.deadline is not None  # sweepable_cases only returns cases with a deadline
            return _Clock(Stage.HANDLING, case.received_at, case.deadline, {"unit_id": case.unit_id})
        to = self._dispatchers_of(case.division_code)
        if case.dispatched_at is None:
            return _Clock(Stage.DISPATCH, case.received_at, case.dispatch_deadline, to)
        # Back from a unit (return approved): dispatching it again has a limit of its own; the stored
        # dispatch_deadline stays that of the first dispatch, which 即时分转率 measures.
        back = repo.last_event_at(self.session, case.id, "approve_return") or case.received_at
        return _Clock(Stage.DISPATCH, back, dispatch_due(self.cal, back), to)

    def _dispatchers_of(self, division_code: str) -> dict[str, Any]:
        """The dispatchers of the narrowest area holding the case that has any (up to the city's)."""
        hit = self._dispatchers.get(division_code)
        if hit is None:
            users = [u for u in accounts_repo.users_over(self.session, division_code) if Role.DISPATCHER in u.roles]
            area = max((u.scope_code for u in users), key=len, default=division_code)
            hit = {"role": Role.DISPATCHER.value, "division_code": area,
                   "user_ids": [u.id for u in users if u.scope_code == area]}
            self._dispatchers[division_code] = hit
        return hit

    def _event(self, case: Case, action: str, data: dict[str, Any]) -> None:
        self.session.add(CaseEvent(case_id=case.id, action=action, from_state=case.state, to_state=case.state,
                                   actor_id=None, actor_name="system", actor_kind="system", at=self.now,
                                   data=data))
