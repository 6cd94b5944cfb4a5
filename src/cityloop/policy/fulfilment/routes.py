"""免申即享 fulfilment API: the caller's area's tasks, one task with its events, a step on a task."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query

from cityloop.accounts.deps import CurrentSubject
from cityloop.kit.db import MAX_ID
from cityloop.kit.deps import DbSession, Paging
from cityloop.kit.errors import Forbidden, InvalidTransition, NotFound, ValidationFailed, error_responses
from cityloop.policy.fulfilment import service
from cityloop.policy.fulfilment.schemas import ActionIn, FulfilmentDetailOut, FulfilmentOut

router = APIRouter(prefix="/api/v1/policy", tags=["policy"])
TaskId = Annotated[int, Path(ge=1, le=MAX_ID)]


@router.get("/fulfilments", response_model=list[FulfilmentOut], responses=error_responses(Forbidden, ValidationFailed))
def list_fulfilments(session: DbSession, subject: CurrentSubject, page: Paging,
                     policy: Annotated[str | None, Query(max_length=60)] = None,
                     stage: Annotated[str | None, Query(max_length=12)] = None,
                     overdue: bool | None = None) -> list[FulfilmentOut]:
    """Fulfilment tasks of the caller's area (handlers, supervisors, admins), open ones by due date first."""
    tasks = service.listing(session, subject, policy, stage, overdue, page.limit, page.offset)
    return service.present(session, subject, tasks)


@router.get("/fulfilments/{task_id}", response_model=FulfilmentDetailOut,
            responses=error_responses(Forbidden, NotFound))
def get_fulfilment(task_id: TaskId, session: DbSession, subject: CurrentSubject) -> FulfilmentDetailOut:
    """One task of the caller's area with its events."""
    return service.detail(session, subject, task_id)


@router.post("/fulfilments/{task_id}/actions", response_model=FulfilmentDetailOut,
             responses=error_responses(Forbidden, NotFound, InvalidTransition, ValidationFailed))
def act_on_fulfilment(task_id: TaskId, body: ActionIn, session: DbSession,
                      subject: CurrentSubject) -> FulfilmentDetailOut:
    """verify → approve → pay, or reject with a reason; a step the stage does not allow → 409."""
    service.act(session, subject, task_id, body.action, body.note)
    return service.detail(session, subject, task_id)
