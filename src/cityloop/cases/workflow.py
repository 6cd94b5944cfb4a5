"""The workflow engine: one function performs any action, checking role, scope, state and version."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from cityloop.accounts import repository as accounts_repo
from cityloop.cases import notices
from cityloop.cases import repository as repo
from cityloop.cases.calendar_source import calendar
from cityloop.cases.models import Case, CaseEvent
from cityloop.cases.schemas import ActionIn
from cityloop.cases.states import GRADE_ORDER, TRANSITIONS, Card, Grade, State, Transition
from cityloop.config import get_settings
from cityloop.kit.auth import Role, Subject
from cityloop.kit.calendar import LimitUnit
from cityloop.kit.clock import utcnow
from cityloop.kit.errors import Conflict, Forbidden, InvalidTransition, NotFound, ValidationFailed

# Punctuation, symbols and spaces do not make a reply longer.
_MEANINGFUL = re.compile(r"[\W_]+")
Handler = Callable[[Session, Subject, Case, ActionIn], dict[str, Any]]
# Called after a successful action (e.g. intel records re-categorisations, reply quality); never blocks.
after_action: list[Callable[[Session, Subject, Case, str, ActionIn], None]] = []
# Called inside the action's transaction, before the commit (channels write outbox messages); must not raise.
in_action: list[Callable[[Session, Subject, Case, str, ActionIn], None]] = []


def perform(session: Session, subject: Subject, case_id: int, action: str, body: ActionIn) -> Case:
    """Apply `action` to a case the subject can see, append the event, commit; 409 if it changed meanwhile."""
    transition = TRANSITIONS.get(action)
    if transition is None:
        raise NotFound(f"未知操作 {action}", f"Unknown action {action}")
    case = repo.get_case(session, subject, case_id)
    if case is None:
        raise NotFound("工单不存在或不在您的辖区", "Case not found or outside your area", case_id=case_id)
    _authorise(subject, case, transition)
    if body.expected_version is not None and body.expected_version != case.row_version:
        raise Conflict("工单已被他人修改，请刷新", "The case changed meanwhile; reload it", version=case.row_version)
    from_state = case.state
    data = _HANDLERS[action](session, subject, case, body)
    if body.attachments:
        data = {**data, "attachments": [a.model_dump() for a in body.attachments]}
    _append(session, subject, case, action, from_state, body.note, data)
    notices.on_action(session, subject, case, action, body)
    for hook in in_action:
        hook(session, subject, case, action, body)
    try:
        session.commit()
    except StaleDataError as exc:
        session.rollback()
        raise Conflict("工单已被他人修改，请刷新", "The case changed meanwhile; reload it") from exc
    for hook in after_action:
        hook(session, subject, case, action, body)
    return case


def _authorise(subject: Subject, case: Case, t: Transition) -> None:
    if not subject.has(*t.roles):
        raise Forbidden(f"您的角色不能执行“{t.zh}”", f"Your role may not {t.en.lower()}")
    if case.state not in t.sources:
        raise InvalidTransition(f"当前状态不能执行“{t.zh}”", f"Cannot {t.en.lower()} a case in state {case.state}",
                                state=case.state)
    may_override = subject.has(Role.DISPATCHER, Role.SUPERVISOR)
    if t.unit_bound and not may_override and case.unit_id not in subject.unit_ids:
        raise Forbidden("该工单不属于您的单位", "The case belongs to another unit")


def _append(session: Session, subject: Subject, case: Case, action: str, from_state: str, note: str,
            data: dict[str, Any]) -> None:
    session.add(CaseEvent(case_id=case.id, action=action, from_state=from_state, to_state=case.state,
                          actor_id=subject.id if subject.kind == "user" else None, actor_name=subject.name,
                          actor_kind=subject.kind, at=utcnow(), note=note, data=data))


def _require(value: object, field: str, zh: str, en: str) -> None:
    if value is None or (isinstance(value, str) and not value.strip()):
        raise ValidationFailed({field: (zh, en)})


def _unit(session: Session, unit_id: int | None) -> int:
    _require(unit_id, "unit_id", "请选择承办单位", "unit_id is required")
    unit = accounts_repo.unit_by_id(session, int(unit_id or 0))
    if unit is None or not unit.is_active:
        raise ValidationFailed({"unit_id": ("承办单位不存在或已停用", "Unit does not exist or is inactive")})
    return unit.id


def _send_to_unit(session: Session, case: Case, unit_id: int) -> None:
    now = utcnow()
    case.unit_id = unit_id
    case.state = State.DISPATCHED
    case.signed_at = None
    case.sign_deadline = calendar(session).add(now, case.sign_limit, LimitUnit(case.sign_unit))
    if case.dispatched_at is None:
        case.dispatched_at = now


def _dispatch(session: Session, _s: Subject, case: Case, body: ActionIn) -> dict[str, Any]:
    _send_to_unit(session, case, _unit(session, body.unit_id))
    _new_stage(case)
    return {"unit_id": case.unit_id}


def _new_stage(case: Case) -> None:
    # The card and the automatic urges of the stage that ended (dispatch, or the unit's before a return) do not
    # carry over: the sweep judges the new stage against its own clock.
    case.card = Card.NONE
    case.auto_urge_count = 0


def _sign(_session: Session, _s: Subject, case: Case, _b: ActionIn) -> dict[str, Any]:
    case.state = State.HANDLING
    case.signed_at = utcnow()
    return {}


def _return(_session: Session, _s: Subject, case: Case, body: ActionIn) -> dict[str, Any]:
    _require(body.note, "note", "请填写退回理由", "A reason (note) is required to return a case")
    case.state = State.RETURN_REQUESTED
    return {"unit_id": case.unit_id}


def _approve_return(_session: Session, _s: Subject, case: Case, _b: ActionIn) -> dict[str, Any]:
    previous = case.unit_id
    case.state = State.RECEIVED
    case.unit_id = None
    case.signed_at = None
    case.sign_deadline = None
    _new_stage(case)
    return {"returned_by_unit": previous}


def _reject_return(_session: Session, _s: Subject, case: Case, _b: ActionIn) -> dict[str, Any]:
    case.state = State.HANDLING
    case.signed_at = case.signed_at or utcnow()
    return {}


def _reassign(session: Session, _s: Subject, case: Case, body: ActionIn) -> dict[str, Any]:
    target = _unit(session, body.unit_id)
    if target == case.unit_id:
        raise ValidationFailed({"unit_id": ("转派单位与当前单位相同", "The case is already with this unit")})
    previous = case.unit_id
    _send_to_unit(session, case, target)
    case.reassign_count += 1
    return {"from_unit": previous, "unit_id": target}


def _request_extension(_session: Session, _s: Subject, case: Case, body: ActionIn) -> dict[str, Any]:
    _require(body.days, "days", "请填写延期天数", "days is required")
    _require(body.note, "note", "请填写延期理由", "A reason (note) is required")
    if case.pending_extension:
        raise Conflict("已有待审批的延期申请", "An extension request is already pending")
    case.pending_extension = body.days
    return {"days": body.days}


def _approve_extension(session: Session, _s: Subject, case: Case, _b: ActionIn) -> dict[str, Any]:
    if not case.pending_extension:
        raise InvalidTransition("没有待审批的延期申请", "No extension request is pending")
    days = case.pending_extension
    old = case.deadline
    assert old is not None  # every case gets a deadline at intake
    case.deadline = calendar(session).add(old, days, LimitUnit.WORKDAYS)
    case.pending_extension = None
    case.extension_count += 1
    case.card = "none" if case.deadline > utcnow() else case.card
    return {"days": days, "old_deadline": old.isoformat(), "new_deadline": case.deadline.isoformat()}


def _reject_extension(_session: Session, _s: Subject, case: Case, _b: ActionIn) -> dict[str, Any]:
    if not case.pending_extension:
        raise InvalidTransition("没有待审批的延期申请", "No extension request is pending")
    days = case.pending_extension
    case.pending_extension = None
    return {"days": days}


def _suspend(_session: Session, _s: Subject, case: Case, body: ActionIn) -> dict[str, Any]:
    _require(body.note, "note", "请填写挂起理由", "A reason (note) is required")
    case.state = State.SUSPENDED
    case.suspended_at = utcnow()
    return {}


def _resume(session: Session, _s: Subject, case: Case, _b: ActionIn) -> dict[str, Any]:
    now = utcnow()
    old = case.deadline
    assert old is not None  # set at intake
    assert case.suspended_at is not None  # set by suspend
    case.deadline = calendar(session).shift_deadline(old, case.suspended_at, now, LimitUnit(case.handle_unit))
    case.state = State.HANDLING
    case.suspended_at = None
    return {"old_deadline": old.isoformat(), "new_deadline": case.deadline.isoformat()}


def _complete(_session: Session, _s: Subject, case: Case, body: ActionIn) -> dict[str, Any]:
    _require(body.reply, "reply", "请填写答复内容", "A reply is required")
    least = get_settings().reply_min_chars
    if len(_MEANINGFUL.sub("", body.reply or "")) < least:
        raise ValidationFailed({"reply": (f"答复过于简单：请写明处理结果、依据和联系方式（至少 {least} 个字）",
                                          f"The reply is too short: say what was done, on what basis and whom to "
                                          f"contact (at least {least} characters)")})
    case.reply = (body.reply or "").strip()
    case.state = State.COMPLETED
    case.completed_at = utcnow()
    return {"on_time": bool(case.deadline and case.completed_at <= case.deadline)}


def verify_photo_required(category_code: str | None) -> bool:
    """True when a passed verification of this category must carry a photo (CITYLOOP_VERIFY_PHOTO_CATEGORIES)."""
    prefixes = get_settings().verify_photo_categories
    return "*" in prefixes or any((category_code or "").startswith(p) for p in prefixes if p)


def _verify(_session: Session, _s: Subject, case: Case, body: ActionIn) -> dict[str, Any]:
    _require(body.passed, "passed", "请选择核查结果", "passed (true/false) is required")
    if body.passed and not body.attachments and verify_photo_required(case.category_code):
        raise ValidationFailed({"photo": ("该类问题核查通过需上传现场照片",
                                          "This category needs an on-site photo to pass")})
    if body.passed:
        case.state = State.VERIFIED
        case.verified_at = utcnow()
    else:
        # Failed verification sends the case back to the same unit to redo (重办).
        _require(body.note, "note", "核查不通过需填写原因", "A note is required when verification fails")
        case.state = State.HANDLING
        case.completed_at = None
        case.reopen_count += 1
    return {"passed": body.passed}


def _revisit(_session: Session, _s: Subject, case: Case, body: ActionIn) -> dict[str, Any]:
    _require(body.satisfaction, "satisfaction", "请选择满意度", "satisfaction is required")
    case.state = State.REVISITED
    case.satisfaction = body.satisfaction
    case.revisited_at = utcnow()
    return {"satisfaction": body.satisfaction}


def _close(_session: Session, _s: Subject, case: Case, _b: ActionIn) -> dict[str, Any]:
    case.state = State.CLOSED
    case.closed_at = utcnow()
    return {}


def _reopen(session: Session, _s: Subject, case: Case, body: ActionIn) -> dict[str, Any]:
    _require(body.note, "note", "请填写重办原因", "A reason (note) is required")
    if case.unit_id is None:
        raise InvalidTransition("工单没有承办单位", "The case has no unit to redo it")
    now = utcnow()
    _send_to_unit(session, case, case.unit_id)
    case.deadline = calendar(session).add(now, case.handle_limit, LimitUnit(case.handle_unit))
    for attr in ("completed_at", "verified_at", "revisited_at", "closed_at", "satisfaction", "reply"):
        setattr(case, attr, None)
    case.reopen_count += 1
    case.card = "none"
    case.auto_urge_count = 0
    return {"new_deadline": case.deadline.isoformat()}


def _invalidate(_session: Session, _s: Subject, case: Case, body: ActionIn) -> dict[str, Any]:
    _require(body.note, "note", "请填写无效原因", "A reason (note) is required")
    case.state = State.INVALID
    case.closed_at = utcnow()
    return {}


def _merge(session: Session, subject: Subject, case: Case, body: ActionIn) -> dict[str, Any]:
    _require(body.into, "into", "请选择合并到的工单", "into (case id) is required")
    target = repo.get_case(session, subject, int(body.into or 0))
    if target is None or target.id == case.id or target.state in {State.MERGED, State.INVALID}:
        raise ValidationFailed({"into": ("目标工单无效", "Target case is invalid, merged or not visible")})
    case.state = State.MERGED
    case.merged_into_id = target.id
    case.closed_at = utcnow()
    session.add(CaseEvent(case_id=target.id, action="merge", from_state=target.state, to_state=target.state,
                          actor_id=subject.id, actor_name=subject.name, actor_kind=subject.kind, at=utcnow(),
                          note=body.note, data={"merged_from": case.id}))
    return {"into": target.id}


def _urge(_session: Session, _s: Subject, case: Case, body: ActionIn) -> dict[str, Any]:
    _require(body.note, "note", "请填写督办意见", "An urge needs a note saying what is expected")
    if body.reply_by is not None and body.reply_by <= utcnow():
        raise ValidationFailed({"reply_by": ("回复时限须晚于当前时间", "reply_by must be in the future")})
    case.urge_count += 1
    return {"urge_count": case.urge_count, **({"reply_by": body.reply_by.isoformat()} if body.reply_by else {})}


def _escalate(_session: Session, _s: Subject, case: Case, body: ActionIn) -> dict[str, Any]:
    _require(body.note, "note", "请填写提级理由", "An escalation needs a reason (note)")
    return escalate(case)


def escalate(case: Case) -> dict[str, Any]:
    """Raise the case one level (提级) and its grade one step."""
    case.escalation_level += 1
    position = GRADE_ORDER.index(Grade(case.grade))
    case.grade = GRADE_ORDER[min(position + 1, len(GRADE_ORDER) - 1)]
    return {"escalation_level": case.escalation_level, "grade": case.grade}


_HANDLERS: dict[str, Handler] = {
    "dispatch": _dispatch, "sign": _sign, "return": _return, "approve_return": _approve_return,
    "reject_return": _reject_return, "reassign": _reassign, "request_extension": _request_extension,
    "approve_extension": _approve_extension, "reject_extension": _reject_extension, "suspend": _suspend,
    "resume": _resume, "complete": _complete, "verify": _verify, "revisit": _revisit, "close": _close,
    "reopen": _reopen, "invalidate": _invalidate, "merge": _merge, "urge": _urge, "escalate": _escalate,
}
assert set(_HANDLERS) == set(TRANSITIONS), "every declared transition needs a handler"
