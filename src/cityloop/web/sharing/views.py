"""`/sharing`: the data resource catalogue with usage statistics, and administrators' resource editor."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Request, Response
from fastapi.responses import RedirectResponse
from sqlalchemy.orm import Session

from cityloop.accounts.repository import all_units
from cityloop.governance.sharing.keys.usage import usage
from cityloop.governance.sharing.resources import service as resources
from cityloop.governance.sharing.resources.schemas import ResourceIn
from cityloop.governance.sharing.resources.service import KINDS
from cityloop.governance.sharing.resources.sources import SOURCES
from cityloop.governance.sharing.states import FREQUENCY_META, OPENING_META, SHARING_META
from cityloop.kit.auth import Role, Subject
from cityloop.kit.deps import DbSession, Lang
from cityloop.kit.errors import ValidationFailed
from cityloop.web import forms
from cityloop.web.pages import PageRoute, field_errors, render
from cityloop.web.security import require

router = APIRouter(route_class=PageRoute, include_in_schema=False)
Code = Annotated[str, Path(max_length=40)]
Staff = Annotated[Subject, Depends(require(Role.AGENT, Role.DISPATCHER, Role.HANDLER, Role.GRID_WORKER,
                                           Role.WINDOW, Role.SUPERVISOR, Role.LEADER))]
Admin = Annotated[Subject, Depends(require(Role.ADMIN))]


@router.get("/sharing")
def catalogue(request: Request, session: DbSession, subject: Staff, lang: Lang) -> Response:
    """Every resource with its level and sharing type; statistics for administrators and owner supervisors."""
    items = resources.list_resources(session, subject, lang)
    stats = usage(session, subject) if subject.has(Role.SUPERVISOR) else None
    return render(request, "sharing/catalogue.html", {"items": items, "stats": stats, "own": subject.unit_id,
                                                      "frequency": FREQUENCY_META}, subject)


def _form_context(session: Session, data: dict[str, Any], errors: dict[str, str], code: str | None) -> dict[str, Any]:
    return {"data": data, "errors": errors, "code": code, "units": all_units(session), "kinds": KINDS,
            "sources": SOURCES, "frequency": FREQUENCY_META, "sharing": SHARING_META, "opening": OPENING_META}


@router.get("/sharing/resources/new")
def new_resource(request: Request, session: DbSession, subject: Admin) -> Response:
    """An empty resource form."""
    data = {"kind": "api", "source": "cases", "update_frequency": "daily", "sharing_type": "conditional",
            "opening_type": "none", "fields": [], "is_active": True}
    return render(request, "sharing/resource_form.html", _form_context(session, data, {}, None), subject)


@router.get("/sharing/resources/{code}/edit")
def edit_resource(request: Request, session: DbSession, subject: Admin, code: Code, lang: Lang) -> Response:
    """The form of an existing resource."""
    data = resources.get_resource(session, subject, code, lang).model_dump()
    data["fields"] = [f["name"] for f in data["fields"]]
    return render(request, "sharing/resource_form.html", _form_context(session, data, {}, code), subject)


_LIMITS = {"code": 40, "title": 120, "title_en": 160}


def _resource_in(form: forms.FormData) -> tuple[dict[str, Any], ResourceIn]:
    """The form as shown back on error, and as the payload (text clipped to the payload's limits)."""
    values = forms.fields(form)
    owner = values.get("owner_unit_id", "")
    data: dict[str, Any] = {k: values.get(k, "")[:_LIMITS.get(k, 2000)]
                            for k in ("code", "title", "title_en", "description", "kind", "source",
                                      "update_frequency", "sharing_type", "opening_type", "conditions")}
    data["fields"] = [v for v in form.getlist("fields") if isinstance(v, str)][:60]
    data["is_active"] = values.get("is_active") == "on"
    data["owner_unit_id"] = int(owner) if owner.isdigit() and len(owner) < 10 else 0
    return data, ResourceIn.model_validate(data)


@router.post("/sharing/resources")
@router.post("/sharing/resources/{code}/edit")
def save_resource(request: Request, session: DbSession, subject: Admin, form: forms.Form, lang: Lang,
                  code: str | None = None) -> Response:
    """Save the form, or show it again with every problem next to its field."""
    data, payload = _resource_in(form)
    try:
        saved = resources.save_resource(session, subject, payload, code[:40] if code else None, lang)
    except ValidationFailed as exc:
        ctx = _form_context(session, data, field_errors(exc, lang), code)
        return render(request, "sharing/resource_form.html", ctx, subject, status_code=400)
    return RedirectResponse(f"/sharing?saved={saved.code}", status_code=303)
