"""一网通办 pages: search and item pages (public), the printable 告知单, applying (citizen), the window desk."""

from __future__ import annotations

from typing import Annotated

import segno
from fastapi import APIRouter, Depends, Path, Query, Request, Response
from fastapi.responses import RedirectResponse
from pydantic import ValidationError as PydanticError
from starlette.datastructures import FormData

from cityloop.config import get_settings
from cityloop.kit.auth import Role, Subject
from cityloop.kit.db import MAX_ID
from cityloop.kit.deps import DbSession
from cityloop.kit.errors import ValidationFailed
from cityloop.services.applications import service as applications
from cityloop.services.applications import workflow
from cityloop.services.applications.states import APP_STATE_META, OPEN_STATES, TRANSITIONS
from cityloop.services.bundles import service as bundles
from cityloop.services.evaluations import service as evaluations
from cityloop.services.evaluations.service import SCORE_LABELS
from cityloop.services.guides import service as guides
from cityloop.services.guides.rules import IncompleteAnswers
from cityloop.services.items import service as items
from cityloop.services.places import service as places
from cityloop.services.schemas import ApplicationIn
from cityloop.web import forms, uploads
from cityloop.web.pages import PageRoute, field_errors, language, render
from cityloop.web.security import MaybeUser, require

router = APIRouter(route_class=PageRoute, include_in_schema=False)
Code = Annotated[str, Path(max_length=40)]
AppId = Annotated[int, Path(ge=1, le=MAX_ID)]
Citizen = Annotated[Subject, Depends(require(Role.CITIZEN))]
Window = Annotated[Subject, Depends(require(Role.WINDOW))]
# Links of the 一网通办 header; other modules (e.g. 免申即享 policies) append theirs at import time.
PORTAL_LINKS: list[tuple[str, str, str]] = [("/services", "办事指南", "Service guide"),
                                            ("/services/places", "办事大厅", "Service halls"),
                                            ("/services/mine", "我的办件", "My applications")]
RESERVED = frozenset({"lang", "csrf_token"})


def context(extra: dict[str, object]) -> dict[str, object]:
    """What every 一网通办 page gets: the header links, state and rating labels."""
    return {"portal_links": PORTAL_LINKS, "app_states": APP_STATE_META, "scores": SCORE_LABELS, **extra}


@router.get("/services")
def index(request: Request, session: DbSession, subject: MaybeUser,
          q: Annotated[str, Query(max_length=100)] = "") -> Response:
    """Search the catalogue in everyday words (no login needed)."""
    found = items.search(session, q, 30)
    events = bundles.search(session, q)
    return render(request, "services/index.html", context({"q": q, "items": found, "bundles": events}), subject)


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
           "next_key": next_key, "places": places.places_for_item(session, item.code)}
    return render(request, "services/item.html", context(ctx), subject)


@router.get("/services/items/{code}/notice")
def notice(request: Request, session: DbSession, subject: MaybeUser, code: Code) -> Response:
    """The printable 一次性告知单 for an answer set (incomplete answers → back to the guide's next question)."""
    result = guides.resolve(session, code, _answers(request))
    back = get_settings().public_base_url.rstrip("/") + result.notice_url.replace("/notice", "", 1)
    qr = segno.make(back, error="m").svg_inline(scale=3)
    return render(request, "services/notice.html", context({"result": result, "item": result.item, "qr": qr}),
                  subject)


@router.get("/services/apply/{code}")
def apply_page(request: Request, session: DbSession, subject: Citizen, code: Code) -> Response:
    """The application form for an item, with the materials the guide answers call for."""
    result = guides.resolve(session, code, _answers(request))
    ctx = {"result": result, "item": result.item, "errors": {}, "values": {}}
    return render(request, "services/apply.html", context(ctx), subject)


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
        return render(request, "services/apply.html", context(ctx), subject, status_code=400)
    return render(request, "services/filed.html", context({"app": app}), subject)


def _application(code: str, values: dict[str, str], form: FormData) -> ApplicationIn:
    answers = {k[2:]: v for k, v in values.items() if k.startswith("a.")}
    materials = [v for v in form.getlist("material") if isinstance(v, str)]
    scans = _scans(form)
    try:
        return ApplicationIn(item_code=code, answers=answers, materials=[*materials, *scans],
                             form={"note": values.get("note", "")[:2000], **scans}, phone=values.get("phone", ""))
    except PydanticError:
        raise ValidationFailed({"phone": ("电话号码格式不正确", "not a valid phone number")}) from None


def _scans(form: FormData) -> dict[str, str]:
    """Uploaded scans per material (`file.<key>`), type- and size-checked; a scan counts as the material given."""
    found: dict[str, str] = {}
    for name in {k for k in form if k.startswith("file.")}:
        files = forms.files(form, name)
        if any(f.filename for f in files):
            saved = uploads.save_photos(files[:1], field="materials." + name[5:])
            found[name[5:]] = saved[0].url
    return found


@router.get("/services/desk")
def desk(request: Request, session: DbSession, subject: Window,
         state: Annotated[str, Query(max_length=20)] = "open") -> Response:
    """The window's workbench: applications of its area, nearest deadline first."""
    states: list[str] = sorted(OPEN_STATES) if state == "open" else ([state] if state in APP_STATE_META else [])
    queue = applications.desk_queue(session, subject, states)
    return render(request, "services/desk.html", context({"queue": queue, "state": state}), subject)


@router.get("/services/desk/{app_id}")
def desk_detail(request: Request, session: DbSession, subject: Window, app_id: AppId) -> Response:
    """One application at the window: materials, answers, steps so far and the actions its state allows."""
    return render(request, "services/desk_detail.html", context(_detail(session, subject, app_id)), subject)


@router.post("/services/desk/{app_id}")
def desk_act(request: Request, session: DbSession, subject: Window, app_id: AppId, form: forms.Form) -> Response:
    """Apply the chosen action (补正 takes one list, a line per item) and come back to the application."""
    values = forms.fields(form)
    missing = [line.strip() for line in values.get("missing", "").splitlines() if line.strip()][:50]
    step = workflow.Act(values.get("action", "")[:30], values.get("note", "")[:4000], missing)
    workflow.act(session, subject, app_id, step)
    return RedirectResponse(f"/services/desk/{app_id}", status_code=303)


@router.get("/services/mine")
def my_applications(request: Request, session: DbSession, subject: Citizen) -> Response:
    """The citizen's applications."""
    return render(request, "services/mine.html", context({"apps": applications.mine(session, subject)}), subject)


@router.get("/services/mine/{app_id}")
def my_application(request: Request, session: DbSession, subject: Citizen, app_id: AppId) -> Response:
    """One own application: progress, the 补正 list to answer, the decision and the 好差评 form."""
    return render(request, "services/mine_detail.html", context(_detail(session, subject, app_id)), subject)


@router.post("/services/mine/{app_id}/resubmit")
def resubmit(session: DbSession, subject: Citizen, app_id: AppId, form: forms.Form) -> Response:
    """Send the corrected materials (the clock restarts)."""
    values = forms.fields(form)
    step = workflow.Act("resubmit", values.get("note", "")[:4000],
                        materials=[v for v in form.getlist("material") if isinstance(v, str)][:50])
    workflow.act(session, subject, app_id, step)
    return RedirectResponse(f"/services/mine/{app_id}", status_code=303)


@router.post("/services/mine/{app_id}/rate")
def rate(session: DbSession, subject: Citizen, app_id: AppId, form: forms.Form) -> Response:
    """好差评 of a concluded application."""
    values = forms.fields(form)
    score = values.get("score", "")
    if not score.isdigit():
        raise ValidationFailed({"score": ("请选择评价等级", "choose a rating")})
    evaluations.rate(session, subject, app_id, int(score), values.get("text", "")[:2000])
    return RedirectResponse(f"/services/mine/{app_id}", status_code=303)


def _detail(session: DbSession, subject: Subject, app_id: int) -> dict[str, object]:
    app = applications.get(session, subject, app_id)
    allowed = [a for a, (sources, _t) in TRANSITIONS.items() if app.state in sources and a != "resubmit"]
    return {"app": app, "events": applications.events(session, subject, app_id), "actions": allowed,
            "card": applications.card_of(app), "evaluation": evaluations.of_application(session, app.id),
            "correction": next((e.data.get("missing", []) for e in reversed(
                applications.events(session, subject, app_id)) if e.action == "request_correction"), [])}
