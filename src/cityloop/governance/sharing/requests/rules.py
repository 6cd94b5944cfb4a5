"""Who may do what to a sharing request."""

from __future__ import annotations

from cityloop.governance.sharing.requests.models import ShareRequest
from cityloop.governance.sharing.resources.models import ShareResource
from cityloop.governance.sharing.states import RequestState
from cityloop.kit.auth import Role, Subject


def is_user(subject: Subject) -> bool:
    """A person logged in (keys and the system never approve)."""
    return subject.kind == "user" and subject.id is not None


def owner_approver(subject: Subject, resource: ShareResource, request: ShareRequest | None = None) -> bool:
    """A supervisor or administrator of the unit that owns the resource, who did not ask for it."""
    return (is_user(subject) and bool(subject.roles & {Role.SUPERVISOR, Role.ADMIN})
            and subject.unit_id == resource.owner_unit_id
            and (request is None or subject.id != request.requester_id))


def bureau_approver(subject: Subject, request: ShareRequest) -> bool:
    """An administrator of the data bureau, neither the requester nor the owner's approver (four eyes)."""
    return (is_user(subject) and Role.ADMIN in subject.roles
            and subject.id not in {request.requester_id, request.owner_approver_id})


def may(subject: Subject, action: str, request: ShareRequest, resource: ShareResource) -> bool:
    """True when `subject` may take `action` on `request` in its current state."""
    state = RequestState(request.state)
    if action == "approve_owner":
        return owner_approver(subject, resource, request)
    if action == "approve_bureau":
        return bureau_approver(subject, request)
    if action == "reject":
        return owner_approver(subject, resource, request) if state == RequestState.PENDING_OWNER \
            else bureau_approver(subject, request)
    if action == "withdraw":
        return is_user(subject) and subject.id == request.requester_id
    if action == "revoke":
        return owner_approver(subject, resource) or (is_user(subject) and Role.ADMIN in subject.roles)
    return False


def sees(subject: Subject, request: ShareRequest, resource: ShareResource) -> bool:
    """The requester, the owner unit's approvers and administrators see a request."""
    return is_user(subject) and (subject.id == request.requester_id or Role.ADMIN in subject.roles
                                 or owner_approver(subject, resource))
