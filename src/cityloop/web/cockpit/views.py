"""Leader cockpit (驾驶舱): a normal-width page and a 1920×1080 dark big screen, both fed by /cockpit/data."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request, Response
from fastapi.responses import JSONResponse

from cityloop.kit.auth import Role, Subject
from cityloop.kit.deps import DbSession, Lang, ReadSession
from cityloop.web import lookup_service
from cityloop.web.cockpit import data as cockpit_data
from cityloop.web.pages import PageRoute, render
from cityloop.web.security import require

router = APIRouter(route_class=PageRoute, include_in_schema=False)
Leader = Annotated[Subject, Depends(require(Role.LEADER, Role.SUPERVISOR))]
Division = Annotated[str, Query(pattern=r"^([0-9]{2,12})?$")]
Period = Annotated[str, Query(pattern="^(" + "|".join(cockpit_data.PERIODS) + ")$")]
REFRESH_SECONDS = 60
# Extra panels (templates included at the end of the cockpit grid); other consoles append theirs at import time.
PANELS: list[str] = []


@router.get("/cockpit")
def cockpit(request: Request, session: DbSession, subject: Leader, division_code: Division = "",
            period: Period = "30d", screen: bool = False) -> Response:
    """The dashboard shell; charts load their figures from /cockpit/data and refresh on a timer."""
    ctx = {"divisions": lookup_service.divisions(session, max_level=3), "division_code": division_code,
           "period": period, "periods": cockpit_data.PERIODS, "screen": screen, "refresh": REFRESH_SECONDS,
           "panels": PANELS}
    return render(request, "cockpit/index.html", ctx, subject)


@router.get("/cockpit/data")
def data(session: ReadSession, subject: Leader, lang: Lang, division_code: Division = "",
         period: Period = "30d") -> Response:
    """Every figure of the cockpit (from the KPI service) as JSON."""
    body = cockpit_data.data(session, subject, division_code or None, period, lang)
    return JSONResponse(body, headers={"Cache-Control": "no-store"})
