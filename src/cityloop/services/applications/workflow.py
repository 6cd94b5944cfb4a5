"""The application state machine: pre-review with one 补正 list (clock suspended), acceptance, review, decision."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy.orm import Session

from cityloop.audit import service as audit
from cityloop.cases.calendar_source import calendar
from cityloop.kit.auth import Role, Subject
from cityloop.kit.calendar import LimitUnit
from cityloop.kit.clock import utcnow
from cityloop.kit.errors import Conflict, Forbidden, InvalidTransition, ValidationFailed
from cityloop.services.applications import repository as repo
from cityloop.services.applications.models import Application
from cityloop.services.applications.service import get, record_event
from cityloop.services.applications.states import APP_STATE_META, DONE_STATES, TRANSITIONS

STAFF_ACTIONS = frozenset({"request_correction", "accept", "reject", "review", "approve", "deny", "deliver"})
NEEDS_NOTE = frozenset({"reject", "deny", "approve"})  # a refusal says why; a decision has its document text


@dataclass
class Act:
    """A step asked for: the action, a note (decision text for approve/deny), the 补正 list, added materials."""

    action: str
    note: str = ""
    missing: list[str] = field(default_factory=list)
    materials: list[str] = field(default_factory=list)


def act(session: Session, subject: Subject, app_id: int, step: Act) -> Application:
    """Apply one step; every step is an event, refused when the state or the caller does not allow it."""
    app = get(session, subject, app_id)
    if step.action not in TRANSITIONS:
        raise ValidationFailed({"action": ("未知操作", "unknown action")})
    _check_actor(subject, app, step.action)
    sources, target = TRANSITIONS[step.action]
    if app.state not in sources:
        raise InvalidTransition(f"当前状态（{APP_STATE_META[app.state][0]}）不能执行该操作",
                                f"not allowed in state {app.state}")
    _check_input(session, app, step)
    before, now = app.state, utcnow()
    if step.action == "request_correction":
        app.suspended_at = now
    elif step.action == "resubmit":
        _resume(session, app, step, now)
    if target in DONE_STATES and app.concluded_at is None:
        app.concluded_at = now
        app.decision = step.note
    app.state = target
    record_event(session, subject, app, step.action, before, target, step.note,
                 {"missing": step.missing} if step.missing else {"materials": step.materials} if step.materials else {})
    audit.record(session, subject, f"application_{step.action}", "service_application", [app.id],
                 areas=[app.division_code])
    session.commit()
    return app


def _check_actor(subject: Subject, app: Application, action: str) -> None:
    if action == "resubmit":
        if app.applicant_id != subject.id:
            raise Forbidden("只有申请人可以补正提交", "Only the applicant may resubmit")
    elif action in STAFF_ACTIONS and not subject.has(Role.WINDOW):
        raise Forbidden("只有窗口人员可以办理", "Only service-window staff may handle applications")


def _check_input(session: Session, app: Application, step: Act) -> None:
    if step.action in NEEDS_NOTE and not step.note.strip():
        raise ValidationFailed({"note": ("请填写理由或决定内容", "give the reason or the decision text")})
    if step.action == "request_correction":
        if not step.missing:
            raise ValidationFailed({"missing": ("请一次性列出全部需补正的内容",
                                                "list everything to be corrected, once")})
        if repo.has_event(session, app.id, "request_correction"):
            # 一次性告知: a second correction request would mean the first list was incomplete.
            raise Conflict("已一次性告知过补正内容，不能再次要求补正", "corrections were already requested once")


def _resume(session: Session, app: Application, step: Act, now: datetime) -> None:
    assert app.suspended_at is not None  # set when the correction was requested
    app.deadline = calendar(session).shift_deadline(app.deadline, app.suspended_at, now, LimitUnit.WORKDAYS)
    app.suspended_at = None
    known = {m["key"] for m in app.materials}
    app.materials = [*app.materials, *({"key": k, "name": k, "copies": 1} for k in step.materials if k not in known)]
