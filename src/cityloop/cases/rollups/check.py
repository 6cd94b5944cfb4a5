"""`cityloop kpi check`: the KPIs from rollups against the brute-force SQL over cases, for many slices."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from cityloop.accounts.models import Unit
from cityloop.cases.kpi import KpiQuery, kpi_breakdown, kpi_report
from cityloop.cases.rollups.models import CaseAreaRollup
from cityloop.cases.states import CHANNEL_META
from cityloop.config import get_settings
from cityloop.kit.auth import SYSTEM
from cityloop.kit.clock import LOCAL_TZ, to_local, utcnow


@dataclass
class CheckReport:
    """How many slices were compared and those that differ."""

    checked: int = 0
    mismatches: list[dict[str, Any]] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """True when every slice agreed."""
        return not self.mismatches


def _same(a: Any, b: Any) -> bool:
    if isinstance(a, float) and isinstance(b, float):
        return math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-6)
    return bool(a == b)


def _diff(live: dict[str, Any], rolled: dict[str, Any]) -> dict[str, Any]:
    return {k: [live[k], rolled.get(k)] for k in live if not _same(live[k], rolled.get(k))}


def queries(session: Session, months: int = 3) -> list[tuple[str, KpiQuery]]:
    """The city, each district, each unit, each channel and the last `months` local months."""
    city = get_settings().city_code
    found: list[tuple[str, KpiQuery]] = [("city", KpiQuery(division_code=city))]
    # The districts that have cases (cases sit below areas in the layers, so not from the division table).
    district = func.substr(CaseAreaRollup.division_code, 1, 6)
    districts = session.scalars(select(district).distinct().where(CaseAreaRollup.division_code.startswith(city))
                                .order_by(district))
    found += [(f"district {code}", KpiQuery(division_code=code)) for code in districts]
    found += [(f"unit {uid}", KpiQuery(unit_id=uid)) for uid in session.scalars(select(Unit.id).order_by(Unit.id))]
    found += [(f"channel {ch}", KpiQuery(channel=str(ch))) for ch in CHANNEL_META]
    for start, end in month_periods(months):
        found.append((f"month {to_local(start):%Y-%m}", KpiQuery(start=start, end=end)))
    return found


def month_periods(months: int) -> list[tuple[datetime, datetime]]:
    """[start, end) of this local month and the `months - 1` before it, newest first."""
    first = to_local(utcnow()).date().replace(day=1)
    periods = []
    for _ in range(months):
        following = (first + timedelta(days=32)).replace(day=1)
        periods.append((datetime.combine(first, time.min, tzinfo=LOCAL_TZ),
                        datetime.combine(following, time.min, tzinfo=LOCAL_TZ)))
        first = (first - timedelta(days=1)).replace(day=1)
    return periods


def check(session: Session, months: int = 3) -> CheckReport:
    """Compare every slice of `queries`, and the breakdowns by division, unit, category and month, at one moment."""
    now, report = utcnow(), CheckReport()
    for name, query in queries(session, months):
        live = kpi_report(session, SYSTEM, query, now, live=True).model_dump()
        rolled = kpi_report(session, SYSTEM, query, now, rollups=True).model_dump()
        report.checked += 1
        if diff := _diff(live, rolled):
            report.mismatches.append({"slice": name, "diff": diff})
    oldest, newest = month_periods(months)[-1][0], month_periods(months)[0][1]
    city = KpiQuery(division_code=get_settings().city_code, start=oldest, end=newest)
    for by in ("division", "unit", "category", "channel", "month"):
        live_rows = {r.key: r.model_dump() for r in kpi_breakdown(session, SYSTEM, city, by, now, live=True).rows}
        rolled_rows = {r.key: r.model_dump() for r in kpi_breakdown(session, SYSTEM, city, by, now, rollups=True).rows}
        report.checked += 1
        for key in sorted(set(live_rows) | set(rolled_rows), key=str):
            live_row, rolled_row = live_rows.get(key), rolled_rows.get(key)
            if live_row is None or rolled_row is None:
                report.mismatches.append({"slice": f"by {by} = {key}", "diff": "missing on one side"})
            elif diff := _diff(live_row, rolled_row):
                report.mismatches.append({"slice": f"by {by} = {key}", "diff": diff})
    return report
