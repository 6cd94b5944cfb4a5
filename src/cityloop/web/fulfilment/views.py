"""`/policy/tasks`: the handler's 免申即享 tasks (their area's), each with a button for its next step."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Path, Query, Request, Response
from fastapi.responses import RedirectResponse

from cityloop.kit.auth import Role, Subject
from cityloop.kit.db import MAX_ID
from cityloop.kit.deps import DbSession
from cityloop.policy.fulfilment import service
from cityloop.policy.fulfilment.states import ACTION_LABELS, OPEN, STAGE_META
from cityloop.web import forms
from cityloop.web.pages import PageRoute, render
from cityloop.web.security import require

router = APIRouter(route_class=PageRoute, include_in_schema=False)
Staff = Annotated[Subject, Depends(require(Role.HANDLER, Role.SUPERVISOR))]
TaskId = Annotated[int, Path(ge=1, le=MAX_ID)]


@router.get("/policy/tasks")
def tasks(request: Request, session: DbSession, subject: Staff,
          stage: Annotated[str, Query(max_length=12)] = "open") -> Response:
    """Tasks of the caller's area: open ones by due date (or one stage), with the next step's buttons."""
    chosen = stage if stage in STAGE_META else None
    found = service.listing(session, subject, stage=chosen, limit=200)
    if chosen is None:
        found = [t for t in found if t.stage in OPEN]
    ctx = {"tasks": service.present(session, subject, found), "stage": stage, "stages": STAGE_META,
           "actions": ACTION_LABELS}
    return render(request, "fulfilment/tasks.html", ctx, subject)


@router.post("/policy/tasks/{task_id}")
def act(session: DbSession, subject: Staff, task_id: TaskId, form: forms.Form) -> Response:
    """Apply the chosen step (a rejection with its reason) and come back to the list."""
    values = forms.fields(form)
    service.act(session, subject, task_id, values.get("action", "")[:20], values.get("note", "")[:1000])
    return RedirectResponse("/policy/tasks", status_code=303)
