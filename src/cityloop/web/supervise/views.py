"""Supervisor board: overdue and near-due by unit and area; urge, escalate; approve extensions and returns."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request, Response
from fastapi.responses import RedirectResponse

from cityloop.kit.auth import Role, Subject
from cityloop.kit.db import MAX_ID
from cityloop.kit.deps import DbSession, Lang, ReadSession
from cityloop.kit.errors import NotFound
from cityloop.web import exports, forms, lookup_service, queues
from cityloop.web.display import countdown
from cityloop.web.pages import PageRoute, is_htmx, render
from cityloop.web.security import require
from cityloop.web.supervise import service as supervise_service

router = APIRouter(route_class=PageRoute, include_in_schema=False)
Supervisor = Annotated[Subject, Depends(require(Role.SUPERVISOR))]


def _filters(request: Request) -> dict[str, object]:
    query = queues.parse_query("open", dict(request.query_params))
    return {k: v for k, v in query.service_filters().items() if k in {"unit_id", "division_code"}}


@router.get("/supervise")
def board(request: Request, session: DbSession, subject: Supervisor, lang: Lang) -> Response:
    """The board."""
    filters = _filters(request)
    data = supervise_service.board(session, subject, filters, lang)
    area_names = lookup_service.division_names(session, {code for code, _late, _near in data.by_area})
    ctx = {"board": data, "units": lookup_service.units(session), "divisions": lookup_service.divisions(session),
           "area_names": area_names,
           "filters": filters, "countdowns": {c.id: countdown(c) for c in data.overdue + data.near_due},
           "reasons": supervise_service.request_reasons(session, data.extensions, data.returns)}
    return render(request, "supervise/index.html", ctx, subject)


@router.get("/supervise/export")
def export(request: Request, session: DbSession, read: ReadSession, subject: Supervisor, lang: Lang,
           fmt: str = "csv") -> Response:
    """Overdue cases as CSV or XLSX (personal data masked for supervisors; read from the replica when set)."""
    items = queues.overdue(read, subject, lang, _filters(request)).items
    return exports.cases_download(session, subject, items, fmt, "overdue", lang)


@router.post("/supervise/alerts/{alert_id}/{action}")
def alert_action(alert_id: int, action: str, session: DbSession, subject: Supervisor, form: forms.Form) -> Response:
    """Acknowledge, resolve or dismiss an early-warning alert from the board."""
    note = forms.fields(form).get("note", "")[:500]
    if not supervise_service.act_on_alert(session, subject, alert_id, action, note):
        raise NotFound("预警功能未启用", "Early warnings are not available")
    return RedirectResponse("/supervise#warnings", status_code=303)


@router.post("/supervise/cases/{case_id}/{action}")
def noted_action(case_id: int, action: str, request: Request, session: DbSession, subject: Supervisor,
                 form: forms.Form) -> Response:
    """Urge or escalate with a note; answers in place (htmx) with how many people were told."""
    if action not in {"urge", "escalate"}:
        raise NotFound("未知操作", "Unknown action")
    told = supervise_service.noted_action(session, subject, case_id if 0 < case_id <= MAX_ID else -1, action,
                                          forms.action_in(forms.fields(form)))
    if is_htmx(request):
        return render(request, "supervise/_acted.html", {"act": action, "told": told}, subject)
    return RedirectResponse("/supervise#overdue", status_code=303)
