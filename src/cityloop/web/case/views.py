"""The case page every staff console links to: details, suggestions, allowed actions, history timeline."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request, Response
from fastapi.responses import RedirectResponse
from sqlalchemy.orm import Session

from cityloop.cases import service as cases
from cityloop.cases import workflow
from cityloop.cases.states import TRANSITIONS
from cityloop.kit.auth import Role, Subject
from cityloop.kit.clock import utcnow
from cityloop.kit.db import MAX_ID
from cityloop.kit.deps import DbSession, Lang
from cityloop.kit.errors import NotFound, ValidationFailed
from cityloop.web import forms, lookup_service, slots, uploads
from cityloop.web.case import reply_advice
from cityloop.web.display import countdown
from cityloop.web.pages import PageRoute, field_errors, is_htmx, render
from cityloop.web.portal import service as portal_service
from cityloop.web.security import require, safe_path

router = APIRouter(route_class=PageRoute, include_in_schema=False)
STAFF = (Role.AGENT, Role.DISPATCHER, Role.HANDLER, Role.GRID_WORKER, Role.SUPERVISOR, Role.LEADER)
Staff = Annotated[Subject, Depends(require(*STAFF))]
_SUGGESTING_ROLES = (Role.DISPATCHER, Role.SUPERVISOR)


def case_context(session: Session, subject: Subject, case_id: int, lang: str,
                 errors: dict[str, str] | None = None, failed_action: str = "", message: str = "") -> dict[str, Any]:
    """Everything the case page shows."""
    case = cases.case_detail(session, subject, case_id, lang)
    ctx: dict[str, Any] = {
        "case": case, "countdown": countdown(case), "errors": errors or {}, "failed_action": failed_action,
        "message": message, "actions": case.allowed_actions, "transitions": TRANSITIONS,
        "pending_rating": portal_service.pending_rating(session, case.id) if case.state == "completed" else None,
        "units": [], "suggested_unit": None, "duplicates": [],
    }
    if {"dispatch", "reassign"} & set(case.allowed_actions):
        ctx["units"] = lookup_service.units(session)
        ctx["suggested_unit"] = slots.suggest_unit(session, case)
    if subject.has(*_SUGGESTING_ROLES) and "merge" in case.allowed_actions:
        ctx["duplicates"] = slots.case_duplicates(session, subject, case, lang)
    return ctx


@router.get("/cases/{case_id}")
def case_page(case_id: int, request: Request, session: DbSession, subject: Staff, lang: Lang) -> Response:
    """One case with its actions and timeline."""
    return render(request, "case/page.html", case_context(session, subject, _bounded(case_id), lang), subject)


@router.get("/cases/{case_id}/print")
def print_page(case_id: int, request: Request, session: DbSession, subject: Staff, lang: Lang) -> Response:
    """The 处置单 of one case, laid out for paper (A4), with its whole history and signature lines."""
    case = cases.case_detail(session, subject, _bounded(case_id), lang)
    area = lookup_service.division_names(session, {str(case.location.get("division_code") or "")})
    return render(request, "case/print.html", {"case": case, "area_names": area, "now": utcnow()}, subject)


@router.post("/cases/{case_id}/reply-check")
def reply_check(case_id: int, request: Request, session: DbSession, subject: Staff, form: forms.Form) -> Response:
    """Live advice on a reply being written (formulaic, no result, no contact…); a warning, never a block."""
    reply = str(forms.fields(form).get("reply", ""))[:20000]
    hints = reply_advice.hints(session, subject, _bounded(case_id), reply)
    return render(request, "case/_reply_hints.html", {"hints": hints, "reply": reply}, subject)


@router.post("/cases/{case_id}/act/{action}")
def act(case_id: int, action: str, request: Request, session: DbSession, subject: Staff, lang: Lang,
        form: forms.Form) -> Response:
    """Perform one workflow action from a form; errors are shown next to that form's fields."""
    case_id = _bounded(case_id)
    values = forms.fields(form)
    try:
        body = forms.action_in(values)
        body.attachments = uploads.save_photos(forms.files(form, "photo"))
        workflow.perform(session, subject, case_id, action, body)
    except ValidationFailed as exc:
        session.rollback()
        ctx = case_context(session, subject, case_id, lang, field_errors(exc, lang), action)
        template = "case/_main.html" if is_htmx(request) else "case/page.html"
        return render(request, template, ctx, subject, status_code=200 if is_htmx(request) else 400)
    back = safe_path(values.get("back"))
    if back:
        return _redirect(request, back)
    label = TRANSITIONS[action].en if lang == "en" else TRANSITIONS[action].zh
    message = (f"{label}: done" if lang == "en" else f"已{label}")
    try:
        ctx = case_context(session, subject, case_id, lang, message=message)
    except NotFound:
        # The action moved the case out of this user's view (e.g. reassigned away from their unit).
        return _redirect(request, "/")
    if is_htmx(request):
        return render(request, "case/_main.html", ctx, subject)
    return _redirect(request, f"/cases/{case_id}")


def _redirect(request: Request, url: str) -> Response:
    if is_htmx(request):
        return Response(status_code=204, headers={"HX-Redirect": url})
    return RedirectResponse(url, status_code=303)


def _bounded(case_id: int) -> int:
    # Ids beyond 64 bits can never exist; treat them as missing rather than overflowing the driver.
    return case_id if 0 < case_id <= MAX_ID else -1
