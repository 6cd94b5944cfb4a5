"""Dispatcher workbench: the queue of new and returned cases, filters, one-click and bulk dispatch, export."""

from __future__ import annotations

from typing import Annotated
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Request, Response
from fastapi.responses import RedirectResponse

from cityloop.cases.states import AppealType, Channel, State
from cityloop.kit.auth import Role, Subject
from cityloop.kit.deps import DbSession, Lang, ReadSession
from cityloop.kit.errors import ValidationFailed
from cityloop.web import exports, forms, queues
from cityloop.web.dispatch import queue as dispatch_queue
from cityloop.web.dispatch import service as dispatch_service
from cityloop.web.pages import PageRoute, is_htmx, render
from cityloop.web.security import require

router = APIRouter(route_class=PageRoute, include_in_schema=False)
Dispatcher = Annotated[Subject, Depends(require(Role.DISPATCHER))]


@router.get("/dispatch")
def workbench(request: Request, session: DbSession, subject: Dispatcher, lang: Lang) -> Response:
    """The queue with filters; each row can be dispatched to its suggested unit in one click."""
    query = queues.parse_query("dispatch", dict(request.query_params), order="received_at")
    ctx = dispatch_queue.queue_context(session, subject, query, lang)
    if is_htmx(request) and request.headers.get("hx-target") == "queue-rows":
        # The queue refreshes itself: only the rows, with the total the tab title watches.
        return render(request, "dispatch/_rows.html", ctx, subject)
    ctx.update({
        "query": query, "states": [State.RECEIVED, State.RETURN_REQUESTED], "channels": list(Channel),
        "types": list(AppealType), "done": request.query_params.get("done"),
        "failed": request.query_params.get("failed"),
        "dispatched": dispatch_queue.just_dispatched(session, subject, request.query_params.get("dispatched"),
                                                       lang),
        "refresh_query": str(request.url.query),
    })
    return render(request, "dispatch/index.html", ctx, subject)


@router.post("/dispatch/bulk")
def bulk(request: Request, session: DbSession, subject: Dispatcher, form: forms.Form, lang: Lang) -> Response:
    """Dispatch (or approve returns, invalidate) all ticked cases."""
    values = forms.fields(form)
    ids = [int(v) for v in form.getlist("case_id") if isinstance(v, str) and v.isdigit()]
    if not ids:
        raise ValidationFailed({"case_id": ("请先勾选工单", "Tick at least one case")})
    body = forms.action_in({k: values.get(k, "") for k in ("unit_id", "note")})
    result = dispatch_service.bulk(session, subject, ids, values.get("action", "dispatch"), body, lang)
    failed = "; ".join(f"#{i}: {msg}" for i, msg in result.failed)
    params = {"done": len(result.done)} | ({"failed": failed[:300]} if failed else {})
    return RedirectResponse("/dispatch?" + urlencode(params), status_code=303)


@router.get("/dispatch/export")
def export(request: Request, session: DbSession, read: ReadSession, subject: Dispatcher, lang: Lang,
           fmt: str = "csv") -> Response:
    """The filtered queue as CSV or XLSX (read from the replica when set; the export's audit goes to the primary)."""
    query = queues.parse_query("dispatch", dict(request.query_params), order="received_at")
    items = queues.fetch_all(read, subject, query, lang)
    return exports.cases_download(session, subject, items, fmt, "dispatch-queue", lang)
