"""Agent desk: intake while the caller talks, with caller history, category hints and duplicate candidates."""

from __future__ import annotations

import secrets
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request, Response

from cityloop.cases import service as cases
from cityloop.cases.intake import intake
from cityloop.cases.states import AppealType
from cityloop.kit.auth import Role, Subject
from cityloop.kit.deps import DbSession, Lang
from cityloop.kit.errors import ValidationFailed
from cityloop.web import forms, lookup_service, slots
from cityloop.web.pages import PageRoute, field_errors, render
from cityloop.web.security import require

router = APIRouter(route_class=PageRoute, include_in_schema=False)
Agent = Annotated[Subject, Depends(require(Role.AGENT))]
Text = Annotated[str, Query(max_length=2000)]


def _ctx(session: DbSession, values: dict[str, str], errors: dict[str, str]) -> dict[str, object]:
    return {"values": values, "errors": errors, "types": [t for t in AppealType if t != AppealType.EVENT],
            "categories": lookup_service.leaf_categories(session), "divisions": lookup_service.divisions(session),
            "nonce": secrets.token_urlsafe(16), "filed": None}


@router.get("/desk")
def desk(request: Request, session: DbSession, subject: Agent) -> Response:
    """The intake form."""
    return render(request, "desk/index.html", _ctx(session, {}, {}), subject)


@router.post("/desk")
def record(request: Request, session: DbSession, subject: Agent, form: forms.Form, lang: Lang) -> Response:
    """Record the call as a hotline case; the form comes back empty for the next call."""
    values = forms.fields(form)
    try:
        data = forms.case_in(values, "hotline")
        case, _created = intake(session, subject, data, values.get("nonce") or None)
    except ValidationFailed as exc:
        return render(request, "desk/index.html", _ctx(session, values, field_errors(exc, lang)), subject,
                      status_code=400)
    ctx = _ctx(session, {}, {}) | {"filed": cases.present(session, subject, case, lang)}
    return render(request, "desk/index.html", ctx, subject)


@router.get("/desk/history")
def history(request: Request, session: DbSession, subject: Agent, lang: Lang,
            phone: Annotated[str, Query(max_length=20)] = "") -> Response:
    """htmx fragment: the caller's earlier cases, found by phone number."""
    items = cases.list_cases(session, subject, {"phone": phone.strip()}, 0, 10, lang=lang).items \
        if len(phone.strip()) >= 5 else []
    return render(request, "desk/_history.html", {"items": items, "phone": phone}, subject)


@router.get("/desk/suggest")
def suggest(request: Request, session: DbSession, subject: Agent, title: Text = "", content: Text = "",
            division_code: Annotated[str, Query(max_length=12)] = "",
            category_code: Annotated[str, Query(max_length=40)] = "") -> Response:
    """htmx fragment: category suggestions and duplicate candidates for what has been typed so far."""
    ctx = {"hints": slots.suggest_categories(session, title, content),
           "duplicates": slots.duplicate_candidates(session, subject, title, content, division_code or None,
                                                    category_code or None)}
    return render(request, "desk/_suggest.html", ctx, subject)
