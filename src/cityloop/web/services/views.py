"""一网通办 pages: search and item pages (public), the printable 告知单, applying (citizen), the window desk."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Path, Query, Request, Response
from pydantic import ValidationError as PydanticError
from starlette.datastructures import FormData

from cityloop.kit.auth import Role, Subject
from cityloop.kit.deps import DbSession
from cityloop.kit.errors import ValidationFailed
from cityloop.services.applications import service as applications
from cityloop.services.applications.states import APP_STATE_META, OPEN_STATES
from cityloop.services.guides import service as guides
from cityloop.services.guides.rules import IncompleteAnswers
from cityloop.services.items import service as items
from cityloop.services.schemas import ApplicationIn
from cityloop.web import forms
from cityloop.web.pages import PageRoute, field_errors, language, render
from cityloop.web.security import MaybeUser, require

router = APIRouter(route_class=PageRoute, include_in_schema=False)
Code = Annotated[str, Path(max_length=40)]
Citizen = Annotated[Subject, Depends(require(Role.CITIZEN))]
Window = Annotated[Subject, Depends(require(Role.WINDOW))]
# Links of the 一网通办 header; other modules (e.g. 免申即享 policies) append theirs at import time.
PORTAL_LINKS: list[tuple[str, str, str]] = [("/services", "办事指南", "Service guide")]
RESERVED = frozenset({"lang", "csrf_token"})


def _ctx(extra: dict[str, object]) -> dict[str, object]:
    return {"portal_links": PORTAL_LINKS, "app_states": APP_STATE_META, **extra}


@router.get("/services")
def index(request: Request, session: DbSession, subject: MaybeUser,
          q: Annotated[str, Query(max_length=100)] = "") -> Response:
    """Search the catalogue in everyday words (no login needed)."""
    found = items.search(session, q, 30)
    return render(request, "services/index.html", _ctx({"q": q, "items": found}), subject)


def _answers(request: Request) -> dict[str, str]:
    return {k: v for k, v in request.query_params.items() if k not in RESERVED}


@router.get("/services/items/{code}")
def item_page(request: Request, session: DbSession, subject: MaybeUser, code: Code) -> Response:
    """An item's guide: its questions one by one, then the materials for the answers given (no login needed)."""
    item = items.get_item(session, code)
    answers = _answers(request)
    result, next_key = None, None
    try:
        result = guides.resolve(session, code, answers)
    except IncompleteAnswers as exc:
        next_key = exc.question
    except ValidationFailed:
        answers = {}
    ctx = {"item": item, "answers": answers, "questions": guides.questions(item, answers), "result": result,
           "next_key": next_key}
    return render(request, "services/item.html", _ctx(ctx), subject)


@router.get("/services/items/{code}/notice")
def notice(request: Request, session: DbSession, subject: MaybeUser, code: Code) -> Response:
    """The printable 一次性告知单 for an answer set (incomplete answers → back to the guide's next question)."""
    result = guides.resolve(session, code, _answers(request))
    return render(request, "services/notice.html", _ctx({"result": result, "item": result.item}), subject)


@router.get("/services/apply/{code}")
def apply_page(request: Request, session: DbSession, subject: Citizen, code: Code) -> Response:
    """The application form for an item, with the materials the guide answers call for."""
    result = guides.resolve(session, code, _answers(request))
    ctx = {"result": result, "item": result.item, "errors": {}, "values": {}}
    return render(request, "services/apply.html", _ctx(ctx), subject)


@router.post("/services/apply/{code}")
def apply(request: Request, session: DbSession, subject: Citizen, code: Code, form: forms.Form) -> Response:
    """File the application; missing materials are listed next to their boxes and nothing is written."""
    values = forms.fields(form)
    answers = {k[2:]: v for k, v in values.items() if k.startswith("a.")}
    try:
        app = applications.file(session, subject, _application(code, values, form))
    except ValidationFailed as exc:
        result = guides.resolve(session, code, answers)
        ctx = {"result": result, "item": result.item, "errors": field_errors(exc, language(request)),
               "values": values}
        return render(request, "services/apply.html", _ctx(ctx), subject, status_code=400)
    return render(request, "services/filed.html", _ctx({"app": app}), subject)


def _application(code: str, values: dict[str, str], form: FormData) -> ApplicationIn:
    answers = {k[2:]: v for k, v in values.items() if k.startswith("a.")}
    materials = [v for v in form.getlist("material") if isinstance(v, str)]
    try:
        return ApplicationIn(item_code=code, answers=answers, materials=materials,
                             form={"note": values.get("note", "")[:2000]}, phone=values.get("phone", ""))
    except PydanticError:
        raise ValidationFailed({"phone": ("电话号码格式不正确", "not a valid phone number")}) from None


@router.get("/services/desk")
def desk(request: Request, session: DbSession, subject: Window,
         state: Annotated[str, Query(max_length=20)] = "open") -> Response:
    """The window's workbench: applications of its area, nearest deadline first."""
    states: list[str] = sorted(OPEN_STATES) if state == "open" else ([state] if state in APP_STATE_META else [])
    queue = applications.desk_queue(session, subject, states)
    return render(request, "services/desk.html", _ctx({"queue": queue, "state": state}), subject)
