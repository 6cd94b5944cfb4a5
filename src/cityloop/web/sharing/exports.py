"""`/sharing/exports`: ask to export a case list with personal data in clear; approvers decide."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Request, Response
from fastapi.responses import RedirectResponse

from cityloop.governance.sharing.exports import service as approvals
from cityloop.governance.sharing.exports.schemas import DecisionIn, ExportRequestIn
from cityloop.kit.auth import Subject
from cityloop.kit.deps import DbSession, Lang
from cityloop.kit.errors import ValidationFailed
from cityloop.web import forms
from cityloop.web.pages import PageRoute, field_errors, render
from cityloop.web.sharing.views import Staff

router = APIRouter(route_class=PageRoute, include_in_schema=False)
ApprovalId = Annotated[int, Path(ge=1, le=2**31 - 1)]


def _page(request: Request, session: DbSession, subject: Subject, lang: str, data: dict[str, str],
          errors: dict[str, str], status: int = 200) -> Response:
    ctx = {"items": approvals.list_approvals(session, subject, lang), "exports": approvals.EXPORTS,
           "approver": approvals.may_approve(subject), "asks": subject.sees_pii, "data": data, "errors": errors}
    return render(request, "sharing/exports.html", ctx, subject, status_code=status)


@router.get("/sharing/exports")
def exports_page(request: Request, session: DbSession, subject: Staff, lang: Lang, export: str = "") -> Response:
    """Why exports are masked, the form to ask, and the approvals."""
    return _page(request, session, subject, lang, {"export": export[:40], "reason": ""}, {})


@router.post("/sharing/exports")
def ask(request: Request, session: DbSession, subject: Staff, form: forms.Form, lang: Lang) -> Response:
    """Ask for a clear export."""
    values = forms.fields(form)
    data = {"export": values.get("export", "")[:40], "reason": values.get("reason", "")[:2000]}
    try:
        approvals.ask(session, subject, ExportRequestIn.model_validate(data), lang)
    except ValidationFailed as exc:
        return _page(request, session, subject, lang, data, field_errors(exc, lang), 400)
    return RedirectResponse("/sharing/exports", status_code=303)


@router.post("/sharing/exports/{approval_id}")
def decide(request: Request, session: DbSession, subject: Staff, approval_id: ApprovalId, form: forms.Form,
           lang: Lang) -> Response:
    """Approve (single use or for a day) or reject."""
    values = forms.fields(form)
    decision = DecisionIn(approve=values.get("decision") == "approve", single_use=values.get("single_use") == "on",
                          note=values.get("note", "")[:2000])
    try:
        approvals.decide(session, subject, approval_id, decision, lang)
    except ValidationFailed as exc:
        return _page(request, session, subject, lang, {"export": "", "reason": ""}, field_errors(exc, lang), 400)
    return RedirectResponse("/sharing/exports", status_code=303)
