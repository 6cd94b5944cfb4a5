"""Early-warning, hot-issue and report API: alerts with their actions, live hot issues, area reports."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Literal

from fastapi import APIRouter, Query, Response
from fastapi.responses import HTMLResponse

from cityloop.accounts.deps import CurrentSubject
from cityloop.intel.alerts import service as alerts
from cityloop.intel.alerts.models import AlertAction, AlertKind, AlertState
from cityloop.intel.alerts.schemas import AlertActionIn, AlertEventOut, AlertOut, AlertPage, HotIssueList
from cityloop.intel.hotspots import live as hot_issues
from cityloop.intel.reports import render as report_render
from cityloop.intel.reports import service as reports
from cityloop.kit.db import MAX_ID
from cityloop.kit.deps import DbSession, Lang, Paging
from cityloop.kit.errors import Conflict, Forbidden, InvalidTransition, NotFound, error_responses

router = APIRouter(tags=["intel"])
DivisionCode = Annotated[str | None, Query(pattern=r"^[0-9]{2,12}$", description="Area (code prefix)")]


def _bounded(ident: int) -> int:
    # Ids beyond the integer key range can never exist; treat them as missing rather than overflowing the driver.
    return ident if 0 < ident <= MAX_ID else -1


def _out(session: DbSession, items: list[alerts.Alert], lang: str) -> list[AlertOut]:
    described = alerts.describe(session, items, lang)
    pairs = zip(items, described, strict=True)
    return [AlertOut(**d, row_version=a.row_version, evidence=a.evidence) for a, d in pairs]


@router.get("/api/v1/alerts", response_model=AlertPage, responses=error_responses(Forbidden))
def list_alerts(session: DbSession, subject: CurrentSubject, lang: Lang, paging: Paging,
                state: Annotated[list[AlertState] | None, Query()] = None,
                kind: Annotated[list[AlertKind] | None, Query()] = None,
                division_code: DivisionCode = None) -> AlertPage:
    """Early-warning alerts of the caller's area (supervisors, leaders, dispatchers), newest first."""
    filters = {"state": [str(s) for s in state or []], "kind": [str(k) for k in kind or []],
               "division_code": division_code}
    items, total = alerts.list_alerts(session, subject, filters, paging.offset, paging.limit)
    return AlertPage(items=_out(session, items, lang), total=total, offset=paging.offset, limit=paging.limit)


@router.get("/api/v1/alerts/{alert_id}/events", response_model=list[AlertEventOut],
            responses=error_responses(Forbidden, NotFound))
def alert_events(alert_id: int, session: DbSession, subject: CurrentSubject) -> list[AlertEventOut]:
    """The history of one alert (raised, acknowledged, resolved…)."""
    return [AlertEventOut.model_validate(e) for e in alerts.history(session, subject, _bounded(alert_id))]


@router.post("/api/v1/alerts/{alert_id}/actions/{action}", response_model=AlertOut,
             responses=error_responses(Forbidden, NotFound, Conflict, InvalidTransition))
def alert_action(alert_id: int, action: AlertAction, session: DbSession, subject: CurrentSubject, lang: Lang,
                 body: AlertActionIn | None = None) -> AlertOut:
    """Acknowledge, resolve or dismiss an alert (supervisors and leaders of its area)."""
    body = body or AlertActionIn()
    alert = alerts.act(session, subject, _bounded(alert_id), action, body.note, body.row_version)
    return _out(session, [alert], lang)[0]


@router.get("/api/v1/hotspots", response_model=HotIssueList, responses=error_responses(Forbidden))
def live_hotspots(session: DbSession, subject: CurrentSubject, division_code: DivisionCode = None,
                  days: Annotated[int, Query(ge=1, le=hot_issues.MAX_DAYS)] = hot_issues.DEFAULT_DAYS,
                  top: Annotated[int, Query(ge=1, le=50)] = 10) -> HotIssueList:
    """Hot issues (热点问题) among the caller's newest cases of the last `days` days (cached for a few minutes).

    At most CITYLOOP_HOTSPOTS_MAX_CASES cases are clustered per request: `truncated` says when the window held more,
    and `covered_from` which period was actually covered.
    """
    found = hot_issues.ranked(session, subject, division_code, days, top)
    return HotIssueList.model_validate({"division_code": division_code or "", "days": days,
                                        "as_of": found.computed_at, "considered": found.considered,
                                        "truncated": found.truncated, "covered_from": found.covered_from,
                                        "items": found.items})


@router.get("/api/v1/reports", response_class=Response, responses={
    **error_responses(Forbidden),
    200: {"description": "The report", "content": {"text/html": {"schema": {"type": "string"}},
                                                   "text/markdown": {"schema": {"type": "string"}}}}})
def report(session: DbSession, subject: CurrentSubject, lang: Lang,
           period: Annotated[reports.Period, Query(description="day, week or month")] = "week",
           division_code: DivisionCode = None,
           end: Annotated[date | None, Query(description="Last local day of the period (default yesterday)")] = None,
           format: Annotated[Literal["html", "md"], Query()] = "html") -> Response:  # noqa: A002 - API name
    """The area report (volumes, KPIs vs the previous period, categories, hot issues, alerts, slowest units)."""
    data = reports.build(session, subject, period, division_code or subject.scope, end, lang)
    if format == "md":
        return Response(report_render.markdown(data), media_type="text/markdown; charset=utf-8")
    return HTMLResponse(report_render.html(data))
