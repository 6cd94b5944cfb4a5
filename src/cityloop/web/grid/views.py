"""Grid worker on a phone: cases to verify in my area, verify pass/fail, report an event with photo and location."""

from __future__ import annotations

import secrets
from typing import Annotated

from fastapi import APIRouter, Depends, Request, Response

from cityloop.cases import service as cases
from cityloop.cases.intake import intake
from cityloop.cases.workflow import verify_photo_required
from cityloop.config import get_settings
from cityloop.kit.auth import Role, Subject
from cityloop.kit.deps import DbSession, Lang
from cityloop.kit.errors import ValidationFailed
from cityloop.web import forms, lookup_service, queues, uploads
from cityloop.web.pages import PageRoute, field_errors, render
from cityloop.web.security import require

router = APIRouter(route_class=PageRoute, include_in_schema=False)
GridWorker = Annotated[Subject, Depends(require(Role.GRID_WORKER))]


def _ctx(request: Request, session: DbSession, subject: Subject, lang: str, values: dict[str, str],
         errors: dict[str, str]) -> dict[str, object]:
    tasks = queues.fetch(session, subject, queues.parse_query("grid", {}, order="completed_at"), lang)
    mine = cases.list_cases(session, subject, {"reported_by": subject.id}, 0, 20, lang=lang) if subject.id else None
    return {"tasks": tasks, "mine": mine, "values": values, "errors": errors, "nonce": secrets.token_urlsafe(16),
            "photo_needed": {c.id for c in tasks.items if verify_photo_required((c.category or {}).get("code"))},
            "call_through": get_settings().call_through_url,
            "categories": lookup_service.leaf_categories(session), "reported": None,
            "report_open": bool(errors) or request.query_params.get("report") == "1"}


@router.get("/grid")
def grid(request: Request, session: DbSession, subject: GridWorker, lang: Lang) -> Response:
    """My verification tasks and the event report form."""
    return render(request, "grid/index.html", _ctx(request, session, subject, lang, {}, {}), subject)


@router.post("/grid/report")
def report(request: Request, session: DbSession, subject: GridWorker, form: forms.Form, lang: Lang) -> Response:
    """Report an event found on patrol; it lands in the worker's own area."""
    values = forms.fields(form) | {"appeal_type": "event", "division_code": subject.scope}
    try:
        photos = uploads.save_photos(forms.files(form, "photo"))
        case, _created = intake(session, subject, forms.case_in(values, "grid", photos), values.get("nonce") or None)
    except ValidationFailed as exc:
        ctx = _ctx(request, session, subject, lang, values, field_errors(exc, lang))
        return render(request, "grid/index.html", ctx, subject, status_code=400)
    ctx = _ctx(request, session, subject, lang, {}, {}) | {"reported": cases.present(session, subject, case, lang)}
    return render(request, "grid/index.html", ctx, subject)
