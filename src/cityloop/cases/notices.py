"""Who is told what (站内信) when a workflow action changes a case: the unit, the dispatchers, the requester."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from cityloop.accounts import repository as accounts_repo
from cityloop.accounts.notifications.service import Notice, notify_unit, notify_users
from cityloop.cases.models import Case, CaseEvent
from cityloop.cases.schemas import ActionIn
from cityloop.kit.auth import SYSTEM, Role, Subject
from cityloop.kit.clock import to_local

Rule = Callable[[Session, Subject, Case, ActionIn], None]


def on_action(session: Session, subject: Subject, case: Case, action: str, body: ActionIn) -> None:
    """Write the notices an action calls for, in the action's transaction."""
    rule = _RULES.get(action)
    if rule is not None:
        rule(session, subject, case, body)


def _sender(subject: Subject) -> str:
    return "系统自动" if subject.kind == "system" else subject.name


def _when(value: datetime | None) -> str:
    return to_local(value).strftime("%m-%d %H:%M") if value else ""


def _note(body: ActionIn) -> tuple[str, str]:
    note = body.note.strip()
    return (f"：{note}" if note else "", f": {note}" if note else "")


def _dispatched(session: Session, subject: Subject, case: Case, body: ActionIn) -> None:
    if case.unit_id is None:
        return
    by = _when(case.sign_deadline)
    notify_unit(session, case.unit_id, Notice(
        "dispatched", f"新派工单 {case.number}「{case.title}」，请于 {by} 前签收",
        f"New case {case.number} \u201c{case.title}\u201d: sign for it by {by}", case.id, _sender(subject)))


def auto_dispatched(session: Session, case: Case) -> None:
    """Tell the unit the responsibility list sent a new case to (at intake, in its transaction)."""
    _dispatched(session, SYSTEM, case, ActionIn())


def _urged(session: Session, subject: Subject, case: Case, body: ActionIn) -> None:
    zh, en = _note(body)
    by_zh = f"，请于 {_when(body.reply_by)} 前回复" if body.reply_by else ""
    by_en = f"; reply by {_when(body.reply_by)}" if body.reply_by else ""
    notice = Notice("urged", f"督办 {case.number}「{case.title}」{zh}{by_zh}",
                    f"Urged: case {case.number}{en}{by_en}", case.id, _sender(subject), body.reply_by)
    _to_unit_or_dispatchers(session, case, notice)


def _escalated(session: Session, subject: Subject, case: Case, body: ActionIn) -> None:
    zh, en = _note(body)
    notice = Notice("escalated", f"提级 {case.number}「{case.title}」至第 {case.escalation_level} 级{zh}",
                    f"Escalated: case {case.number} to level {case.escalation_level}{en}", case.id, _sender(subject))
    _to_unit_or_dispatchers(session, case, notice)


def _redo(session: Session, subject: Subject, case: Case, body: ActionIn) -> None:
    if body.passed is not False or case.unit_id is None:
        return
    zh, en = _note(body)
    notify_unit(session, case.unit_id, Notice("redo", f"核查不通过，请重办 {case.number}{zh}",
                                              f"Verification failed, redo case {case.number}{en}", case.id,
                                              _sender(subject)))


def _decided(kind: str, asked: str, zh: str, en: str) -> Rule:
    def rule(session: Session, subject: Subject, case: Case, body: ActionIn) -> None:
        requester = _requester(session, case.id, asked)
        if requester is None:
            return
        note_zh, note_en = _note(body)
        notify_users(session, [requester], Notice(kind, f"{case.number} {zh}{note_zh}", f"Case {case.number}: "
                                                  f"{en}{note_en}", case.id, _sender(subject)))
    return rule


def _requester(session: Session, case_id: int, action: str) -> int | None:
    stmt = (select(CaseEvent.actor_id).where(CaseEvent.case_id == case_id, CaseEvent.action == action)
            .order_by(CaseEvent.id.desc()).limit(1))
    return session.scalar(stmt)


def _to_unit_or_dispatchers(session: Session, case: Case, notice: Notice) -> None:
    if case.unit_id is not None:
        notify_unit(session, case.unit_id, notice)
        return
    # Waiting for dispatch: the lateness is the dispatchers' of the case's area.
    users = accounts_repo.users_over(session, case.division_code)
    notify_users(session, [u.id for u in users if Role.DISPATCHER in u.roles], notice)


_RULES: dict[str, Rule] = {
    "dispatch": _dispatched, "reassign": _dispatched, "reopen": _dispatched,
    "urge": _urged, "escalate": _escalated, "verify": _redo,
    "approve_return": _decided("return_approved", "return", "退回申请已同意", "return approved"),
    "reject_return": _decided("return_rejected", "return", "退回申请未同意，请继续办理",
                              "return rejected, carry on handling"),
    "approve_extension": _decided("extension_approved", "request_extension", "延期申请已同意", "extension approved"),
    "reject_extension": _decided("extension_rejected", "request_extension", "延期申请未同意",
                                 "extension rejected"),
}
