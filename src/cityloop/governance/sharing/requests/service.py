"""Sharing requests: submit, then approve (owner, then the data bureau for 重要 data), reject, withdraw, revoke."""

from __future__ import annotations

from sqlalchemy.orm import Session

from cityloop.audit.service import record
from cityloop.config import get_settings
from cityloop.governance.sharing import history
from cityloop.governance.sharing.keys import service as keys
from cityloop.governance.sharing.requests import repository as repo
from cityloop.governance.sharing.requests import rules
from cityloop.governance.sharing.requests.checks import problems
from cityloop.governance.sharing.requests.models import ShareRequest
from cityloop.governance.sharing.requests.present import present
from cityloop.governance.sharing.requests.schemas import RequestIn, RequestOut
from cityloop.governance.sharing.resources import repository as resources
from cityloop.governance.sharing.resources.models import ShareResource
from cityloop.governance.sharing.resources.service import level_of
from cityloop.governance.sharing.states import ACTIONS, TRANSITIONS, RequestState, SharingType
from cityloop.kit.auth import Subject
from cityloop.kit.clock import utcnow
from cityloop.kit.errors import Forbidden, InvalidTransition, NotFound, ValidationFailed

_NEEDS_BUREAU = {"核心", "重要"}


def _resource(session: Session, code: str) -> ShareResource:
    resource = resources.by_code(session, code)
    if resource is None or not resource.is_active:
        raise NotFound("数据资源不存在或已停用", "No such data resource, or it is no longer offered", code=code)
    return resource


def _refuse_unshared(session: Session, subject: Subject, resource: ShareResource) -> None:
    """A 不予共享 resource is refused with its reason; the refusal is audited."""
    record(session, subject, "share_refused", "share_resource", [resource.id], {"code": resource.code})
    session.commit()
    raise Forbidden(f"该资源不予共享：{resource.conditions}", f"This resource is not shared: {resource.conditions}",
                    code=resource.code)


def submit(session: Session, subject: Subject, data: RequestIn, lang: str = "zh") -> RequestOut:
    """A staff user of another unit asks for a resource; the owner unit's approvers see it next."""
    if not rules.is_user(subject) or not subject.is_staff or subject.unit_id is None:
        raise Forbidden("只有所属单位的工作人员可以申请共享数据", "Only staff of a unit may request shared data")
    resource = _resource(session, data.resource_code)
    if resource.sharing_type == SharingType.NONE:
        _refuse_unshared(session, subject, resource)
    if resource.owner_unit_id == subject.unit_id:
        raise Forbidden("本单位的数据无需申请共享", "Your own unit's data needs no sharing request")
    errors = problems(session, resource, data)
    if errors:
        raise ValidationFailed(errors)
    rate = data.rate_per_minute or get_settings().share_rate_per_minute
    request = ShareRequest(
        resource_id=resource.id, requester_id=subject.id, consumer_unit_id=subject.unit_id,
        purpose=data.purpose.strip(), fields=list(data.fields), masked=data.masked, starts_on=data.starts_on,
        ends_on=data.ends_on, area_code=data.area_code, rate_per_minute=rate, state=RequestState.PENDING_OWNER,
        needs_bureau=level_of(resource.source, list(resource.fields)) in _NEEDS_BUREAU)
    session.add(request)
    session.flush()
    history.log(session, subject, "request", request.id, "submit", RequestState.PENDING_OWNER,
                detail={"resource": resource.code, "fields": request.fields, "area": request.area_code},
                areas=[request.area_code] if request.area_code else [])
    session.commit()
    return present(session, request, resource, lang)


def _load(session: Session, subject: Subject, request_id: int) -> tuple[ShareRequest, ShareResource]:
    request = repo.by_id(session, request_id)
    resource = resources.by_id(session, request.resource_id) if request else None
    if request is None or resource is None or not rules.sees(subject, request, resource):
        raise NotFound("共享申请不存在", "No such sharing request", id=request_id)
    return request, resource


def get_request(session: Session, subject: Subject, request_id: int, lang: str = "zh") -> RequestOut:
    """One request with its history."""
    request, resource = _load(session, subject, request_id)
    return present(session, request, resource, lang, with_events=True)


def list_requests(session: Session, subject: Subject, lang: str = "zh") -> list[RequestOut]:
    """The requests the subject made or may decide on, newest first."""
    if not rules.is_user(subject) or not subject.is_staff:
        raise Forbidden("仅工作人员可查看共享申请", "Only staff may read sharing requests")
    found = repo.visible(session, subject)
    by_id = {r.id: r for r in resources.all_resources(session)}
    units = resources.unit_names(session)
    return [present(session, r, by_id[r.resource_id], lang, units=units) for r in found]


def act(session: Session, subject: Subject, request_id: int, action: str, reason: str = "",
        lang: str = "zh") -> RequestOut:
    """Take `action` on a request; the final approval issues the key, returned once in `key`."""
    request, resource = _load(session, subject, request_id)
    if action not in ACTIONS:
        raise NotFound("未知操作", "Unknown action", action=action)
    state = RequestState(request.state)
    target = TRANSITIONS.get((state, action))
    if target is None:
        raise InvalidTransition(f"申请处于「{state}」状态，不能执行 {action}",
                                f"A request in state {state} does not allow {action}", state=state)
    if not rules.may(subject, action, request, resource):
        raise Forbidden("您无权对该申请执行此操作", "You may not take this action on this request", action=action)
    if action in {"reject", "revoke"} and len(reason.strip()) < 2:
        raise ValidationFailed({"reason": ("请说明理由", "Give the reason")})
    if action == "approve_owner" and request.needs_bureau:
        target = RequestState.PENDING_BUREAU
    clear = _apply(session, subject, request, action, target, reason.strip())
    history.log(session, subject, "request", request.id, action, target, from_state=state, note=reason.strip(),
                areas=[request.area_code] if request.area_code else [])
    session.commit()
    out = present(session, request, resource, lang)
    out.key = clear
    return out


def _apply(session: Session, subject: Subject, request: ShareRequest, action: str, target: RequestState,
           reason: str) -> str | None:
    """Change the request (and its key); the clear key when this step issued one."""
    request.state = target
    if action == "approve_owner":
        request.owner_approver_id = subject.id
    elif action == "approve_bureau":
        request.bureau_approver_id = subject.id
    if action in {"reject", "revoke"}:
        request.reason = reason
    if action == "revoke":
        keys.revoke(session, request, utcnow())
    session.flush()
    return keys.issue(session, request) if target == RequestState.APPROVED else None


def open_actions(session: Session, subject: Subject, request_id: int) -> list[str]:
    """The actions the subject may take on the request now (the page shows one button each)."""
    request, resource = _load(session, subject, request_id)
    state = RequestState(request.state)
    return [a for a in ACTIONS if (state, a) in TRANSITIONS and rules.may(subject, a, request, resource)]
