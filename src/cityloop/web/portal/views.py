"""Citizen portal: file an appeal without logging in, track it by number + lookup code, rate the reply."""

from __future__ import annotations

import secrets
from typing import Annotated
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Path, Query, Request, Response
from fastapi.responses import RedirectResponse

from cityloop.cases import service as cases
from cityloop.cases.states import AppealType
from cityloop.channels.notify import service as notify_service
from cityloop.config import get_settings
from cityloop.kit.auth import Role, Subject
from cityloop.kit.db import MAX_ID
from cityloop.kit.deps import DbSession, Lang
from cityloop.kit.errors import ValidationFailed
from cityloop.kit.ratelimit import per_address
from cityloop.web import forms, lookup_service, uploads
from cityloop.web.pages import PageRoute, field_errors, render
from cityloop.web.portal import service as portal_service
from cityloop.web.security import MaybeUser, require

router = APIRouter(route_class=PageRoute, include_in_schema=False)
# Citizens choose among appeal types; "event" is for grid workers and sensors.
CITIZEN_TYPES = [t for t in AppealType if t != AppealType.EVENT]
Citizen = Annotated[Subject, Depends(require(Role.CITIZEN))]


def _form_context(session: DbSession, values: dict[str, str], errors: dict[str, str]) -> dict[str, object]:
    return {"values": values, "errors": errors, "types": CITIZEN_TYPES, "nonce": secrets.token_urlsafe(16),
            "divisions": lookup_service.divisions(session), "max_mb": uploads_limit_mb()}


def uploads_limit_mb() -> float:
    """Upload limit shown next to the photo field."""
    return round(get_settings().upload_max_bytes / 1_000_000, 1)


@router.get("/portal")
def portal(request: Request, session: DbSession, subject: MaybeUser, lang: Lang) -> Response:
    """Filing form, tracking form and (for a logged-in citizen) their own cases."""
    mine = None
    if subject is not None and Role.CITIZEN in subject.roles:
        mine = cases.list_cases(session, subject, {}, 0, 20, lang=lang).items
    ctx = _form_context(session, {}, {}) | {"mine": mine}
    return render(request, "portal/index.html", ctx, subject)


@router.post("/portal", dependencies=[Depends(per_address("intake"))])
def file_appeal(request: Request, session: DbSession, subject: MaybeUser, form: forms.Form, lang: Lang) -> Response:
    """File the appeal and show its number and lookup code."""
    values = forms.fields(form)
    try:
        photos = uploads.save_photos(forms.files(form, "photo"))
        data = forms.case_in(values, "web", photos)
        case = portal_service.file_appeal(session, subject, data, values.get("nonce"))
    except ValidationFailed as exc:
        ctx = _form_context(session, values, field_errors(exc, lang)) | {"mine": None}
        return render(request, "portal/index.html", ctx, subject, status_code=400)
    return render(request, "portal/filed.html", {"number": case.number, "code": case.lookup_code}, subject)


@router.get("/portal/track", dependencies=[Depends(per_address("track"))])
def track(request: Request, session: DbSession, subject: MaybeUser, lang: Lang,
          number: Annotated[str, Query(max_length=24)] = "", code: Annotated[str, Query(max_length=12)] = "",
          rated: str = "", sms: Annotated[str, Query(max_length=4)] = "") -> Response:
    """The case's progress, reply and the rating form."""
    ctx = portal_service.track_page(session, number, code, lang) | {
        "number": number, "code": code.upper(), "rated": rated, "sms": sms, "errors": {}}
    return render(request, "portal/track.html", ctx, subject)


@router.get("/portal/mine/{case_id}")
def mine(session: DbSession, subject: Citizen, case_id: Annotated[int, Path(ge=1, le=MAX_ID)]) -> Response:
    """One of the logged-in citizen's own appeals: opens its track page."""
    number, code = portal_service.own_case(session, subject, case_id)
    return RedirectResponse("/portal/track?" + urlencode({"number": number, "code": code}), status_code=303)


@router.post("/portal/rate", dependencies=[Depends(per_address("track"))])
def rate(request: Request, session: DbSession, subject: MaybeUser, form: forms.Form, lang: Lang) -> Response:
    """Record the citizen's satisfaction with the reply."""
    values = forms.fields(form)
    number, code = values.get("number", ""), values.get("code", "")
    try:
        outcome = portal_service.rate(session, number, code, values.get("satisfaction", ""),
                                      values.get("comment", ""))
    except ValidationFailed as exc:
        ctx = portal_service.track_page(session, number, code, lang) | {
            "number": number, "code": code, "rated": "", "errors": field_errors(exc, lang)}
        return render(request, "portal/track.html", ctx, subject, status_code=400)
    query = urlencode({"number": number, "code": code, "rated": outcome})
    return RedirectResponse(f"/portal/track?{query}", status_code=303)


@router.post("/portal/sms-opt-out", dependencies=[Depends(per_address("track"))])
def sms_opt_out(session: DbSession, form: forms.Form) -> Response:
    """Stop SMS to the phone the case was reported with (the case number and lookup code prove it)."""
    values = forms.fields(form)
    number, code = values.get("number", ""), values.get("code", "")
    done = notify_service.opt_out_reporter(session, number, code)
    query = urlencode({"number": number, "code": code, "sms": "off" if done else "none"})
    return RedirectResponse(f"/portal/track?{query}", status_code=303)


@router.get("/portal/address-suggest")
def address_suggest(request: Request, address: Annotated[str, Query(max_length=300)] = "") -> Response:
    """htmx fragment: the standardised address and its division, to pick with one click."""
    return render(request, "portal/_address_suggest.html", {"hit": lookup_service.address_suggestion(address)})
