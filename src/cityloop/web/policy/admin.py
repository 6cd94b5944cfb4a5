"""Admin policy editor pages: the list with counts, a policy's criteria with a live preview, import, re-match."""

from __future__ import annotations

import json
from typing import Annotated

from fastapi import APIRouter, Depends, Request, Response
from fastapi.responses import RedirectResponse

from cityloop.kit.auth import Role, Subject
from cityloop.kit.deps import DbSession, Lang
from cityloop.kit.errors import ValidationFailed
from cityloop.policy.accounts import service as links
from cityloop.policy.admin import service
from cityloop.web import forms
from cityloop.web.pages import PageRoute, field_errors, render
from cityloop.web.security import require

router = APIRouter(route_class=PageRoute, include_in_schema=False)
Admin = Annotated[Subject, Depends(require(Role.ADMIN))]
MAX_IMPORT_BYTES = 2_000_000
# The preview contract lives at POST /api/v1/policy/preview once policy versions land; until then the editor's own
# endpoint answers with the same body and figures.
PREVIEW_URL = "/api/v1/policy/preview"


@router.get("/admin/policies")
def policies(request: Request, session: DbSession, subject: Admin, done: str = "") -> Response:
    """Every policy with its eligible and near-miss counts, and the import form."""
    ctx = {"rows": service.overview(session, subject), "errors": {}, "done": done[:200]}
    return render(request, "policy/admin_list.html", ctx, subject)


@router.post("/admin/policies/import")
def import_policies(request: Request, session: DbSession, subject: Admin, form: forms.Form,
                    lang: Lang) -> Response:
    """Import a JSON file of policies; every bad node is shown with its path, nothing is written then."""
    uploads = forms.files(form, "file")
    try:
        if not uploads:
            raise ValidationFailed({"file": ("请选择文件", "Choose a file")})
        report = service.import_file(session, subject, uploads[0].file.read(MAX_IMPORT_BYTES + 1))
    except ValidationFailed as exc:
        session.rollback()
        ctx = {"rows": service.overview(session, subject), "errors": field_errors(exc, lang), "done": ""}
        return render(request, "policy/admin_list.html", ctx, subject, status_code=422)
    done = ",".join(report.created + report.updated)
    return RedirectResponse(f"/admin/policies?done={done[:180]}", status_code=303)


@router.post("/admin/policies/links")
def link(request: Request, session: DbSession, subject: Admin, form: forms.Form, lang: Lang) -> Response:
    """Tie a firm (or citizen) account to its enterprise (or person)."""
    v = forms.fields(form)
    try:
        done = links.link_username(session, subject, v.get("username", ""), v.get("subject_kind", "enterprise"),
                                   v.get("subject_id", ""), v.get("phone", ""))
    except ValidationFailed as exc:
        session.rollback()
        ctx = {"rows": service.overview(session, subject), "errors": field_errors(exc, lang), "done": ""}
        return render(request, "policy/admin_list.html", ctx, subject, status_code=422)
    return RedirectResponse(f"/admin/policies?done={done.username}→{done.subject_id}", status_code=303)


@router.get("/admin/policies/{policy_id}")
def policy(request: Request, session: DbSession, subject: Admin, policy_id: str, done: str = "") -> Response:
    """A policy's criteria as JSON, with the live preview count and the re-match button."""
    row = service.detail(session, subject, policy_id[:60])
    ctx = {"row": row, "text": json.dumps(row.criteria, ensure_ascii=False, indent=2), "errors": {},
           "preview_url": PREVIEW_URL, "done": done[:40]}
    return render(request, "policy/admin_detail.html", ctx, subject)


@router.post("/admin/policies/{policy_id}")
def save(request: Request, session: DbSession, subject: Admin, policy_id: str, form: forms.Form,
         lang: Lang) -> Response:
    """Replace the criteria (checked by the policy import)."""
    text = str(form.get("criteria") or "")
    try:
        service.save_criteria(session, subject, policy_id[:60], text)
    except ValidationFailed as exc:
        session.rollback()
        ctx = {"row": service.detail(session, subject, policy_id[:60]), "text": text,
               "errors": field_errors(exc, lang), "preview_url": PREVIEW_URL, "done": ""}
        return render(request, "policy/admin_detail.html", ctx, subject, status_code=422)
    return RedirectResponse(f"/admin/policies/{policy_id[:60]}?done=saved", status_code=303)


@router.post("/admin/policies/{policy_id}/match")
def rematch(session: DbSession, subject: Admin, policy_id: str) -> Response:
    """Match the policy again and come back to it."""
    service.rematch(session, subject, policy_id[:60])
    return RedirectResponse(f"/admin/policies/{policy_id[:60]}?done=matched", status_code=303)
