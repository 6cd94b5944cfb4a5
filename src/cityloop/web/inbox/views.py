"""Handler inbox: my unit's cases with deadline countdowns and yellow/red cards."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request, Response

from cityloop.cases.states import State
from cityloop.kit.auth import Role, Subject
from cityloop.kit.deps import DbSession, Lang, ReadSession
from cityloop.web import exports, queues
from cityloop.web.display import countdown
from cityloop.web.pages import PageRoute, render
from cityloop.web.security import require

router = APIRouter(route_class=PageRoute, include_in_schema=False)
Handler = Annotated[Subject, Depends(require(Role.HANDLER))]
STATES = [State.DISPATCHED, State.HANDLING, State.RETURN_REQUESTED, State.SUSPENDED]


@router.get("/inbox")
def inbox(request: Request, session: DbSession, subject: Handler, lang: Lang) -> Response:
    """Cases waiting for my unit, nearest deadline first."""
    query = queues.parse_query("inbox", dict(request.query_params), order="deadline")
    page = queues.fetch(session, subject, query, lang)
    ctx = {"page": page, "query": query, "states": STATES, "countdowns": {c.id: countdown(c) for c in page.items}}
    return render(request, "inbox/index.html", ctx, subject)


@router.get("/inbox/export")
def export(request: Request, session: DbSession, read: ReadSession, subject: Handler, lang: Lang,
           fmt: str = "csv") -> Response:
    """The filtered inbox as CSV or XLSX (read from the replica when set; the export's audit goes to the primary)."""
    query = queues.parse_query("inbox", dict(request.query_params), order="deadline")
    return exports.cases_download(session, subject, queues.fetch_all(read, subject, query, lang), fmt, "inbox", lang)
