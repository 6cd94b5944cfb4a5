"""Administrators' guide editor: the guide as JSON in a text box, validated on save (refused with the path)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Path, Request, Response
from fastapi.responses import RedirectResponse

from cityloop.kit.auth import Role, Subject
from cityloop.kit.deps import DbSession
from cityloop.kit.errors import ValidationFailed
from cityloop.services.guides import authoring
from cityloop.services.items import service as items
from cityloop.web import forms
from cityloop.web.pages import PageRoute, field_errors, language, render
from cityloop.web.security import require
from cityloop.web.services.views import context

router = APIRouter(route_class=PageRoute, include_in_schema=False)
Code = Annotated[str, Path(max_length=40)]
Admin = Annotated[Subject, Depends(require(Role.ADMIN))]


@router.get("/services/admin/guides/{code}")
def guide_editor(request: Request, session: DbSession, subject: Admin, code: Code, saved: str = "") -> Response:
    """The item's guide as editable JSON, with its materials for reference."""
    item = items.get_item(session, code)
    ctx = {"item": item, "text": authoring.dump(item), "errors": {}, "saved": saved}
    return render(request, "services/guide_editor.html", context(ctx), subject)


@router.post("/services/admin/guides/{code}")
def save_guide(request: Request, session: DbSession, subject: Admin, code: Code, form: forms.Form) -> Response:
    """Save the guide as the item's next version, or show every failing path next to the text."""
    text = forms.fields(form).get("guide", "")[:200_000]
    try:
        item = authoring.save(session, subject, code, authoring.parse(text))
    except ValidationFailed as exc:
        ctx = {"item": items.get_item(session, code), "text": text, "saved": "",
               "errors": field_errors(exc, language(request))}
        return render(request, "services/guide_editor.html", context(ctx), subject, status_code=400)
    return RedirectResponse(f"/services/admin/guides/{code}?saved={item.version}", status_code=303)


@router.get("/services/admin/synonyms")
def synonyms_page(request: Request, session: DbSession, subject: Admin) -> Response:
    """The search synonym table: shipped entries and the administrators' own (which win)."""
    ctx: dict[str, object] = {"table": sorted(items.synonym_table(session).items()), "errors": {}}
    return render(request, "services/synonyms.html", context(ctx), subject)


@router.post("/services/admin/synonyms")
def save_synonym(request: Request, session: DbSession, subject: Admin, form: forms.Form) -> Response:
    """Add or change an entry (terms separated by spaces or commas; none removes the administrator's entry)."""
    values = forms.fields(form)
    terms = values.get("terms", "").replace("，", " ").replace(",", " ").split()
    try:
        items.set_synonym(session, subject, values.get("phrase", ""), terms)
    except ValidationFailed as exc:
        ctx: dict[str, object] = {"table": sorted(items.synonym_table(session).items()),
                                  "errors": field_errors(exc, language(request))}
        return render(request, "services/synonyms.html", context(ctx), subject, status_code=400)
    return RedirectResponse("/services/admin/synonyms", status_code=303)
