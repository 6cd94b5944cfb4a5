"""The policy dashboard page and its cockpit panel (eligible, notified, paid, linking to the page)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request, Response
from sqlalchemy.orm import Session

from cityloop.kit.auth import Role, Subject
from cityloop.kit.deps import DbSession, Lang
from cityloop.policy.dashboard import service
from cityloop.web import lookup_service
from cityloop.web.cockpit import data as cockpit_data
from cityloop.web.cockpit import views as cockpit_views
from cityloop.web.pages import PageRoute, render
from cityloop.web.security import require

router = APIRouter(route_class=PageRoute, include_in_schema=False)
Leader = Annotated[Subject, Depends(require(Role.LEADER, Role.SUPERVISOR))]
TEMPLATE = "policy/_cockpit_panel.html"


@router.get("/policy/dashboard")
def dashboard(request: Request, session: DbSession, subject: Leader, lang: Lang,
              division_code: Annotated[str, Query(pattern=r"^([0-9]{2,12})?$")] = "") -> Response:
    """Per policy, area and industry, for the caller's area (or a division in it)."""
    ctx = {"board": service.dashboard(session, subject, division_code, lang),
           "divisions": lookup_service.divisions(session, max_level=3), "division_code": division_code}
    return render(request, "policy/dashboard.html", ctx, subject)


def provide(session: Session, subject: Subject, division_code: str | None, _period: str,
            lang: str) -> dict[str, Any]:
    """The cockpit panel's figures for the cockpit's area (policies have no period: standings are current)."""
    totals = service.dashboard(session, subject, division_code or "", lang).totals
    return {"policy": {"eligible": totals.eligible, "near_miss": totals.near_miss, "notified": totals.notified,
                       "paid": totals.paid}}


def register() -> None:
    """Add the panel to the cockpit (idempotent)."""
    if TEMPLATE not in cockpit_views.PANELS:
        cockpit_views.PANELS.append(TEMPLATE)
    if provide not in cockpit_data.PROVIDERS:
        cockpit_data.PROVIDERS.append(provide)
