"""Case API: intake, list, detail with history, actions."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Header, Path, Query, Response

from cityloop.accounts.deps import CurrentSubject
from cityloop.cases import intake as intake_service
from cityloop.cases import service, workflow
from cityloop.cases.idempotency.service import KeyInFlight, KeyReused
from cityloop.cases.schemas import ActionIn, CaseIn, CaseOut, CasePage
from cityloop.cases.states import TRANSITIONS, Card, Channel, Grade, State
from cityloop.kit.db import MAX_ID
from cityloop.kit.deps import DbSession, Lang, Paging
from cityloop.kit.errors import Conflict, Forbidden, InvalidTransition, NotFound, error_responses

router = APIRouter(prefix="/api/v1/cases", tags=["cases"])
# The enum documents the actions (for clients and the fuzzer); an unknown one still answers 404 from the workflow.
ActionName = Annotated[str, Path(description="Workflow action", json_schema_extra={"enum": list(TRANSITIONS)})]


@router.post("", status_code=201, response_model=CaseOut,
             responses=error_responses(Forbidden, KeyReused, KeyInFlight))
def create_case(body: CaseIn, session: DbSession, subject: CurrentSubject, lang: Lang, response: Response,
                idempotency_key: Annotated[str | None, Header(max_length=100)] = None) -> CaseOut:
    """File a case from any channel; a retry with the same Idempotency-Key and body returns the same case."""
    case, created = intake_service.intake(session, subject, body, idempotency_key)
    if not created:
        response.headers["Idempotent-Replayed"] = "true"
    return service.present(session, subject, case, lang)


@router.get("", response_model=CasePage)
def list_cases(
    session: DbSession, subject: CurrentSubject, lang: Lang, page: Paging,
    state: Annotated[list[State] | None, Query()] = None,
    channel: Channel | None = None, grade: Grade | None = None, card: Card | None = None,
    unit_id: Annotated[int | None, Query(ge=1, le=MAX_ID)] = None,
    division_code: Annotated[str | None, Query(pattern=r"^[0-9]{2,12}$")] = None,
    category_code: Annotated[str | None, Query(max_length=40)] = None,
    received_from: datetime | None = None, received_to: datetime | None = None,
    phone: Annotated[str | None, Query(max_length=20)] = None,
    q: Annotated[str | None, Query(max_length=100)] = None,
    order: Annotated[str, Query(pattern=r"^-?(received_at|deadline|id|updated_at)$")] = "-received_at",
    after: Annotated[str | None, Query(max_length=200, description="`next_cursor` of the previous page")] = None,
) -> CasePage:
    """Cases in the caller's area, filtered and paged."""
    filters = {"state": [str(s) for s in state] if state else None, "channel": channel, "grade": grade,
               "card": card, "unit_id": unit_id, "division_code": division_code, "category_code": category_code,
               "received_from": received_from, "received_to": received_to, "phone": phone, "q": q}
    return service.list_cases(session, subject, filters, page.offset, page.limit, order, lang, after)


@router.get("/{case_id}", response_model=CaseOut, responses=error_responses(NotFound))
def get_case(case_id: Annotated[int, "case id"], session: DbSession, subject: CurrentSubject, lang: Lang) -> CaseOut:
    """One case with its full history."""
    return service.case_detail(session, subject, _bounded(case_id), lang)


@router.post("/{case_id}/actions/{action}", response_model=CaseOut,
             responses=error_responses(Forbidden, NotFound, Conflict, InvalidTransition))
def act(case_id: int, action: ActionName, body: ActionIn, session: DbSession, subject: CurrentSubject,
        lang: Lang) -> CaseOut:
    """Perform a workflow action (dispatch, sign, return, complete, verify, revisit, close, urge, …)."""
    workflow.perform(session, subject, _bounded(case_id), action, body)
    return service.case_detail(session, subject, case_id, lang)


def _bounded(case_id: int) -> int:
    # Ids beyond 64 bits can never exist; treat them as missing rather than overflowing the driver.
    return case_id if 0 < case_id <= MAX_ID else -1
