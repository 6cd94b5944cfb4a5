"""`/sharing/requests`: ask for a resource, follow a request, approve, reject, withdraw or revoke it."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Path, Request, Response
from fastapi.responses import RedirectResponse

from cityloop.governance.sharing.requests import service as requests
from cityloop.governance.sharing.requests.schemas import RequestIn
from cityloop.governance.sharing.resources import service as resources
from cityloop.governance.sharing.states import ACTION_META, REQUEST_META
from cityloop.kit.auth import Subject
from cityloop.kit.clock import to_local, utcnow
from cityloop.kit.deps import DbSession, Lang
from cityloop.kit.errors import ValidationFailed
from cityloop.web import forms
from cityloop.web.pages import PageRoute, field_errors, render
from cityloop.web.sharing.views import Code, Staff

router = APIRouter(route_class=PageRoute, include_in_schema=False)
RequestId = Annotated[int, Path(ge=1, le=2**31 - 1)]
Action = Annotated[str, Path(max_length=20)]


@router.get("/sharing/requests")
def request_list(request: Request, session: DbSession, subject: Staff, lang: Lang) -> Response:
    """The caller's requests and those waiting for their decision."""
    items = requests.list_requests(session, subject, lang)
    return render(request, "sharing/requests.html", {"items": items, "meta": REQUEST_META}, subject)


def _form(request: Request, session: DbSession, subject: Subject, code: str, lang: str, data: dict[str, Any],
          errors: dict[str, str], status: int = 200) -> Response:
    resource = resources.get_resource(session, subject, code, lang)
    return render(request, "sharing/request_form.html", {"resource": resource, "data": data, "errors": errors},
                  subject, status_code=status)


@router.get("/sharing/resources/{code}/request")
def request_form(request: Request, session: DbSession, subject: Staff, code: Code, lang: Lang) -> Response:
    """The request form: purpose, fields, period, area, rate."""
    today = to_local(utcnow()).date()
    data = {"starts_on": today.isoformat(), "ends_on": (today + timedelta(days=90)).isoformat(), "masked": True,
            "fields": [], "purpose": "", "area_code": "", "rate_per_minute": ""}
    return _form(request, session, subject, code, lang, data, {})


def _parse_date(value: str) -> date | None:
    try:
        return date.fromisoformat(value)
    except ValueError:
        return None


def _request_in(code: str, form: forms.FormData) -> tuple[dict[str, Any], RequestIn]:
    """The form as shown back, and the payload; a missing or unreadable date is a field error."""
    values = forms.fields(form)
    data: dict[str, Any] = {k: values.get(k, "")[:2000] for k in ("purpose", "starts_on", "ends_on", "area_code",
                                                                  "rate_per_minute")}
    data["fields"] = [v for v in form.getlist("fields") if isinstance(v, str)][:60]
    data["masked"] = values.get("masked") == "on"
    starts, ends = _parse_date(data["starts_on"]), _parse_date(data["ends_on"])
    bad = {k: ("请填写日期 YYYY-MM-DD", "Enter a date as YYYY-MM-DD") for k, v in (("starts_on", starts),
                                                                              ("ends_on", ends)) if v is None}
    rate = data["rate_per_minute"]
    if rate and not (rate.isdigit() and 1 <= int(rate) <= 100_000):
        bad["rate_per_minute"] = ("请填写正整数", "Enter a whole number")
    if bad or starts is None or ends is None:
        raise ValidationFailed(bad)
    payload = RequestIn(resource_code=code, purpose=data["purpose"], fields=data["fields"], masked=data["masked"],
                        starts_on=starts, ends_on=ends, area_code=data["area_code"][:12],
                        rate_per_minute=int(rate) if rate else None)
    return data, payload


@router.post("/sharing/resources/{code}/request")
def submit(request: Request, session: DbSession, subject: Staff, code: Code, form: forms.Form,
           lang: Lang) -> Response:
    """Submit the request, or show the form again with every problem next to its field."""
    values = forms.fields(form)
    data: dict[str, Any] = dict(values) | {"fields": form.getlist("fields"), "masked": values.get("masked") == "on"}
    try:
        data, payload = _request_in(code, form)
        made = requests.submit(session, subject, payload, lang)
    except ValidationFailed as exc:
        return _form(request, session, subject, code, lang, data, field_errors(exc, lang), 400)
    return RedirectResponse(f"/sharing/requests/{made.id}", status_code=303)


def _detail(request: Request, session: DbSession, subject: Subject, request_id: int, lang: str,
            key: str | None = None, errors: dict[str, str] | None = None, status: int = 200) -> Response:
    out = requests.get_request(session, subject, request_id, lang)
    ctx = {"r": out, "actions": requests.open_actions(session, subject, request_id), "key": key,
           "errors": errors or {}, "meta": REQUEST_META, "action_meta": ACTION_META}
    return render(request, "sharing/request.html", ctx, subject, status_code=status)


@router.get("/sharing/requests/{request_id}")
def detail(request: Request, session: DbSession, subject: Staff, request_id: RequestId, lang: Lang) -> Response:
    """One request, its history and the actions open to the caller."""
    return _detail(request, session, subject, request_id, lang)


@router.post("/sharing/requests/{request_id}/{action}")
def act(request: Request, session: DbSession, subject: Staff, request_id: RequestId, action: Action,
        form: forms.Form, lang: Lang) -> Response:
    """Take the action; the final approval shows the key on this page, once."""
    reason = forms.fields(form).get("reason", "")[:2000]
    try:
        out = requests.act(session, subject, request_id, action, reason, lang)
    except ValidationFailed as exc:
        return _detail(request, session, subject, request_id, lang, errors=field_errors(exc, lang), status=400)
    if out.key:
        return _detail(request, session, subject, request_id, lang, key=out.key)
    return RedirectResponse(f"/sharing/requests/{request_id}", status_code=303)
