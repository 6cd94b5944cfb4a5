"""JSON API of 一网共享 at /api/v1/share: resources, requests and their approvals, usage, exports, shared data."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Path, Query, Request
from fastapi.security import APIKeyHeader, HTTPAuthorizationCredentials, HTTPBearer

from cityloop.accounts.deps import CurrentSubject
from cityloop.governance.sharing.exports import service as exports
from cityloop.governance.sharing.exports.schemas import DecisionIn, ExportApprovalOut, ExportRequestIn
from cityloop.governance.sharing.keys import data, usage
from cityloop.governance.sharing.keys.schemas import SharePage, UsageOut
from cityloop.governance.sharing.requests import service as requests
from cityloop.governance.sharing.requests.schemas import ReasonIn, RequestIn, RequestOut
from cityloop.governance.sharing.resources import service as resources
from cityloop.governance.sharing.resources.schemas import ResourceIn, ResourceOut
from cityloop.kit.deps import DbSession, Lang
from cityloop.kit.errors import (
    Conflict,
    Forbidden,
    InvalidTransition,
    NotFound,
    TooManyRequests,
    Unauthorized,
    ValidationFailed,
    error_responses,
)
from cityloop.kit.ratelimit import client_address

router = APIRouter(prefix="/api/v1/share", tags=["sharing"])
Code = Annotated[str, Path(max_length=40)]
RequestId = Annotated[int, Path(ge=1, le=2**31 - 1)]
_key_header = APIKeyHeader(name="X-API-Key", auto_error=False, description="A sharing key (cls_…)")
_bearer = HTTPBearer(auto_error=False, description="A sharing key (cls_…) as a bearer token")


def sharing_key(header: Annotated[str | None, Depends(_key_header)],
                bearer: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)]) -> str:
    """The sharing key of the call, from `X-API-Key` or `Authorization: Bearer`; 401 without one."""
    raw = header or (bearer.credentials if bearer else "")
    if not raw:
        raise Unauthorized("请提供共享密钥（X-API-Key）", "A sharing key is required (X-API-Key)")
    return raw


@router.get("/resources", responses=error_responses(Forbidden))
def list_resources(session: DbSession, subject: CurrentSubject, lang: Lang) -> list[ResourceOut]:
    """The data resource catalogue (数据资源目录): staff."""
    return resources.list_resources(session, subject, lang)


@router.post("/resources", status_code=201, responses=error_responses(Forbidden, Conflict, ValidationFailed))
def create_resource(body: ResourceIn, session: DbSession, subject: CurrentSubject, lang: Lang) -> ResourceOut:
    """Add a resource (administrators)."""
    return resources.save_resource(session, subject, body, lang=lang)


@router.get("/resources/{code}", responses=error_responses(Forbidden, NotFound))
def get_resource(code: Code, session: DbSession, subject: CurrentSubject, lang: Lang) -> ResourceOut:
    """One resource with its fields' levels."""
    return resources.get_resource(session, subject, code, lang)


@router.put("/resources/{code}", responses=error_responses(Forbidden, NotFound, Conflict, ValidationFailed))
def edit_resource(code: Code, body: ResourceIn, session: DbSession, subject: CurrentSubject,
                  lang: Lang) -> ResourceOut:
    """Edit a resource (administrators)."""
    return resources.save_resource(session, subject, body, code, lang)


@router.get("/requests", responses=error_responses(Forbidden))
def list_requests(session: DbSession, subject: CurrentSubject, lang: Lang) -> list[RequestOut]:
    """Requests the caller made or may decide on."""
    return requests.list_requests(session, subject, lang)


@router.post("/requests", status_code=201, responses=error_responses(Forbidden, NotFound, ValidationFailed))
def submit_request(body: RequestIn, session: DbSession, subject: CurrentSubject, lang: Lang) -> RequestOut:
    """Request a resource; a 不予共享 resource is refused with its reason."""
    return requests.submit(session, subject, body, lang)


@router.get("/requests/{request_id}", responses=error_responses(NotFound))
def get_request(request_id: RequestId, session: DbSession, subject: CurrentSubject, lang: Lang) -> RequestOut:
    """One request with its history."""
    return requests.get_request(session, subject, request_id, lang)


@router.post("/requests/{request_id}/{action}",
             responses=error_responses(Forbidden, NotFound, InvalidTransition, ValidationFailed))
def act_on_request(request_id: RequestId, action: Annotated[str, Path(max_length=20)], body: ReasonIn,
                   session: DbSession, subject: CurrentSubject, lang: Lang) -> RequestOut:
    """approve_owner, approve_bureau, reject, withdraw or revoke; the final approval returns the key once."""
    return requests.act(session, subject, request_id, action, body.reason, lang)


@router.get("/usage", responses=error_responses(Forbidden))
def usage_stats(session: DbSession, subject: CurrentSubject) -> UsageOut:
    """Calls per consumer unit and per resource."""
    return usage.usage(session, subject)


@router.get("/exports", responses=error_responses(Forbidden))
def list_exports(session: DbSession, subject: CurrentSubject, lang: Lang) -> list[ExportApprovalOut]:
    """Approvals to export personal data in clear: one's own, or all for approvers."""
    return exports.list_approvals(session, subject, lang)


@router.post("/exports", status_code=201, responses=error_responses(Forbidden, ValidationFailed))
def ask_export(body: ExportRequestIn, session: DbSession, subject: CurrentSubject,
               lang: Lang) -> ExportApprovalOut:
    """Ask to export a case list with personal data in clear."""
    return exports.ask(session, subject, body, lang)


@router.post("/exports/{approval_id}/decision",
             responses=error_responses(Forbidden, NotFound, InvalidTransition, ValidationFailed))
def decide_export(approval_id: RequestId, body: DecisionIn, session: DbSession, subject: CurrentSubject,
                  lang: Lang) -> ExportApprovalOut:
    """Approve (single use or for a day) or reject."""
    return exports.decide(session, subject, approval_id, body, lang)


@router.get("/data/{code}", responses=error_responses(Unauthorized, Forbidden, NotFound, TooManyRequests,
                                                      ValidationFailed))
def shared_data(code: Code, session: DbSession, key: Annotated[str, Depends(sharing_key)], request: Request,
                after: Annotated[str | None, Query(max_length=200)] = None,
                limit: Annotated[int | None, Query(ge=1, le=1000)] = None) -> SharePage:
    """The granted fields of the rows in the granted area, for a sharing key only (X-API-Key or Bearer)."""
    return data.call(session, key, code, after, limit, client_address(request))
