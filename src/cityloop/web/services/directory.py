"""一网通办 pages for bundles (一件事) and places with their QR doorplates; public except applying."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Path, Request, Response
from fastapi.responses import RedirectResponse
from pydantic import ValidationError as PydanticError

from cityloop.kit.auth import Role, Subject
from cityloop.kit.deps import DbSession
from cityloop.kit.errors import ValidationFailed
from cityloop.services.bundles import service as bundles
from cityloop.services.guides import service as guides
from cityloop.services.guides.rules import IncompleteAnswers
from cityloop.services.places import service as places
from cityloop.services.schemas import ApplicationIn
from cityloop.web import forms
from cityloop.web.pages import PageRoute, field_errors, language, render
from cityloop.web.security import MaybeUser, require
from cityloop.web.services.views import RESERVED, context

router = APIRouter(route_class=PageRoute, include_in_schema=False)
Code = Annotated[str, Path(max_length=40)]
Citizen = Annotated[Subject, Depends(require(Role.CITIZEN))]


@router.get("/services/bundles/{code}")
def bundle_page(request: Request, session: DbSession, subject: MaybeUser, code: Code) -> Response:
    """A 一件事: its items, the shared questions, then one merged material list and the one form."""
    answers = {k: v for k, v in request.query_params.items() if k not in RESERVED}
    return render(request, "services/bundle.html", context(_bundle_ctx(session, code, answers, {})), subject)


def _bundle_ctx(session: DbSession, code: str, answers: dict[str, str], errors: dict[str, str]) -> dict[str, object]:
    bundle = bundles.get_bundle(session, code)
    guide, next_key = None, None
    try:
        guide = bundles.resolve(session, code, answers)
    except IncompleteAnswers as exc:
        next_key = exc.question
    except ValidationFailed:
        answers = {}
    listed = bundles.resolve_items(session, bundle)
    questions: dict[str, dict[str, object]] = {}
    for item in listed:
        for q in guides.questions(item, answers):
            questions.setdefault(q["key"], q)
    return {"bundle": bundle, "items": listed, "guide": guide, "questions": list(questions.values()),
            "next_key": next_key, "answers": answers, "errors": errors}


@router.post("/services/bundles/{code}")
def bundle_apply(request: Request, session: DbSession, subject: Citizen, code: Code, form: forms.Form) -> Response:
    """File every item of the bundle from the one form; missing materials are listed and nothing is written."""
    values = forms.fields(form)
    answers = {k[2:]: v for k, v in values.items() if k.startswith("a.")}
    try:
        data = ApplicationIn(item_code=code, answers=answers, phone=values.get("phone", ""),
                             materials=[v for v in form.getlist("material") if isinstance(v, str)][:100])
        made = bundles.file(session, subject, code, data)
    except PydanticError:
        made, exc = [], ValidationFailed({"phone": ("电话号码格式不正确", "not a valid phone number")})
    except ValidationFailed as err:
        made, exc = [], err
    if not made:
        ctx = _bundle_ctx(session, code, answers, field_errors(exc, language(request)))
        return render(request, "services/bundle.html", context(ctx), subject, status_code=400)
    return RedirectResponse("/services/mine", status_code=303)


@router.get("/services/places")
def places_page(request: Request, session: DbSession, subject: MaybeUser) -> Response:
    """Service halls and centres on a list with hours and windows."""
    return render(request, "services/places.html", context({"places": places.places(session)}), subject)


@router.get("/services/places/doorplates")
def doorplates(request: Request, session: DbSession, subject: MaybeUser) -> Response:
    """A printable sheet of every place's doorplate (QR to its page, name, hours)."""
    sheet = [(p, places.doorplate_inline(p)) for p in places.places(session)]
    return render(request, "services/doorplates.html", context({"sheet": sheet}), subject)


@router.get("/services/places/{code}")
def place_page(request: Request, session: DbSession, subject: MaybeUser, code: Code) -> Response:
    """A place's page (what its doorplate opens on a phone): hours, address, windows, items handled."""
    place = places.get_place(session, code)
    listed = places.items_of(session, place)
    return render(request, "services/place.html", context({"place": place, "items": listed}), subject)


@router.get("/services/places/{code}/doorplate.{kind}")
def doorplate(session: DbSession, code: Code, kind: Annotated[str, Path(pattern="^(svg|png)$")]) -> Response:
    """The doorplate QR code as SVG or PNG."""
    place = places.get_place(session, code)
    media = "image/png" if kind == "png" else "image/svg+xml"
    return Response(places.doorplate(place, kind), media_type=media)
