"""KPI API: every KPI of the loop for the caller's area, and the same figures grouped for rankings and trends."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Query

from cityloop.accounts.deps import CurrentSubject
from cityloop.cases import kpi
from cityloop.cases.states import Channel
from cityloop.kit.db import MAX_ID
from cityloop.kit.deps import Lang, ReadSession
from cityloop.kit.errors import Forbidden, error_responses

router = APIRouter(prefix="/api/v1/kpi", tags=["kpi"])
SORT_PATTERN = "^-?(" + "|".join(kpi.FIGURE_KEYS) + ")$"


def kpi_query(
    division_code: Annotated[str | None, Query(pattern=r"^[0-9]{2,12}$", description="Area (code prefix)")] = None,
    unit_id: Annotated[int | None, Query(ge=1, le=MAX_ID, description="Handling unit")] = None,
    category_code: Annotated[str | None, Query(pattern=r"^[0-9A-Za-z_.-]{1,40}$",
                                               description="Category (code prefix)")] = None,
    channel: Channel | None = None,
    start: Annotated[datetime | None, Query(description="Period start, inclusive (naive = Asia/Shanghai)")] = None,
    end: Annotated[datetime | None, Query(description="Period end, exclusive (naive = Asia/Shanghai)")] = None,
) -> kpi.KpiQuery:
    """The common KPI filters, validated."""
    return kpi.KpiQuery(division_code=division_code, unit_id=unit_id, category_code=category_code,
                        channel=str(channel) if channel else None, start=start, end=end)


Filters = Annotated[kpi.KpiQuery, Depends(kpi_query)]


@router.get("", response_model=kpi.KpiReport, responses=error_responses(Forbidden))
def kpi_report(session: ReadSession, subject: CurrentSubject, query: Filters) -> kpi.KpiReport:
    """Every KPI (即时分转率 … 转派率) with its raw counts, for the caller's area; formulas in docs/kpi.md."""
    return kpi.kpi_report(session, subject, query)


@router.get("/breakdown", response_model=kpi.KpiBreakdown, responses=error_responses(Forbidden))
def kpi_breakdown(
    session: ReadSession, subject: CurrentSubject, lang: Lang, query: Filters,
    by: Annotated[kpi.By, Query(description="Group by area (one level down), unit, category, channel, day, month")],
    sort: Annotated[str | None, Query(pattern=SORT_PATTERN, description="Figure to rank by; '-' = descending")]
    = None,
    limit: Annotated[int | None, Query(ge=1, le=1000)] = None,
) -> kpi.KpiBreakdown:
    """The same KPIs per group: rankings of areas and units, trend lines by local day or month."""
    return kpi.kpi_breakdown(session, subject, query, by, sort=sort, limit=limit, lang=lang)
