"""Area reports (日报/周报/月报): volumes, KPIs against the previous period, categories, hot issues, alerts, units."""

from __future__ import annotations

import calendar
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any, Literal

from sqlalchemy.orm import Session

from cityloop.cases import kpi
from cityloop.intel.alerts import repository as alert_repository
from cityloop.intel.alerts import service as alerts
from cityloop.intel.hotspots import live as hot_issues
from cityloop.kit.auth import Subject
from cityloop.kit.clock import to_local, utcnow
from cityloop.kit.errors import Forbidden, ValidationFailed

Period = Literal["day", "week", "month"]
PERIOD_LABELS: dict[str, tuple[str, str]] = {"day": ("日报", "Daily report"), "week": ("周报", "Weekly report"),
                                             "month": ("月报", "Monthly report")}
# The KPIs a report compares with the previous period, in display order.
HEADLINE = ("received", "completed", "overdue_count", "instant_dispatch_rate", "on_time_sign_rate",
            "on_time_completion_rate", "completion_rate", "avg_handling_hours", "revisit_rate", "satisfaction_rate",
            "redo_rate", "first_time_resolution_rate", "reassign_rate")
MIN_TREND_DAYS = 14
# Reports only make sense for days the platform could hold cases; also keeps date arithmetic far from date.min/max.
FIRST_DAY, LAST_DAY = date(2000, 1, 1), date(2099, 12, 31)
TOP = 10


@dataclass(frozen=True)
class Bounds:
    """A report period and the previous one of the same length, as inclusive local days."""

    start: date
    end: date
    prev_start: date
    prev_end: date


@dataclass
class ReportData:
    """Everything a report shows, before rendering."""

    title: str
    area: str
    division_code: str
    period: str
    bounds: Bounds
    generated_at: datetime
    lang: str
    current: kpi.KpiReport
    previous: kpi.KpiReport
    trend: list[kpi.KpiRow]
    categories: list[kpi.KpiRow]
    areas: list[kpi.KpiRow]
    slowest_units: list[kpi.KpiRow]
    hot: list[dict[str, Any]]
    alerts: list[dict[str, Any]]
    alert_counts: dict[str, int] = field(default_factory=dict)

    def t(self, zh: str, en: str) -> str:
        """The text in the report's language."""
        return en if self.lang == "en" else zh


def bounds(period: Period, end: date) -> Bounds:
    """The day; the week (Mon–) or month up to `end`; the previous period covers the same span one period back."""
    if period == "day":
        return Bounds(end, end, end - timedelta(days=1), end - timedelta(days=1))
    if period == "week":
        start = end - timedelta(days=end.weekday())
        return Bounds(start, end, start - timedelta(days=7), end - timedelta(days=7))
    start = end.replace(day=1)
    prev_start = (start - timedelta(days=1)).replace(day=1)
    last = calendar.monthrange(prev_start.year, prev_start.month)[1]
    return Bounds(start, end, prev_start, prev_start.replace(day=min(end.day, last)))


def build(session: Session, subject: Subject, period: Period, division_code: str | None, end: date | None = None,
          lang: str = "zh", now: datetime | None = None) -> ReportData:
    """Collect the figures of one area report (KPIs come from the KPI service, nothing is recomputed here)."""
    if not subject.has(*kpi.READ_ROLES):
        raise Forbidden("您的角色不能查看报告", "Your role may not read reports")
    now = now or utcnow()
    last = end or to_local(now).date() - timedelta(days=1)
    if not FIRST_DAY <= last <= LAST_DAY:
        raise ValidationFailed({"end": (f"日期须在 {FIRST_DAY} 至 {LAST_DAY} 之间",
                                        f"end must be between {FIRST_DAY} and {LAST_DAY}")})
    b = bounds(period, last)
    code = division_code or ""
    query = _query(code, b.start, b.end)

    def by(group: kpi.By, sort: str | None, q: kpi.KpiQuery = query) -> list[kpi.KpiRow]:
        return kpi.kpi_breakdown(session, subject, q, group, now=now, sort=sort, lang=lang).rows

    trend_start = min(b.start, b.end - timedelta(days=MIN_TREND_DAYS - 1))
    area = alert_repository.division_names(session, [code]).get(code, code) if code else ("全部" if lang != "en"
                                                                                             else "All areas")
    found = _alerts(session, subject, code, b, lang)
    return ReportData(
        title=PERIOD_LABELS[period][1 if lang == "en" else 0], area=area, division_code=code, period=period,
        bounds=b, generated_at=now, lang=lang,
        current=kpi.kpi_report(session, subject, query, now=now),
        previous=kpi.kpi_report(session, subject, _query(code, b.prev_start, b.prev_end), now=now),
        trend=by("day", None, _query(code, trend_start, b.end)),
        categories=by("category", "-received")[:TOP],
        areas=by("division", "-received")[:TOP],
        slowest_units=[r for r in by("unit", "-avg_handling_hours") if r.key is not None
                       and r.avg_handling_hours is not None][:TOP],
        hot=hot_issues.between(session, subject, code or None, alerts.local_midnight(b.start),
                               alerts.local_midnight(b.end + timedelta(days=1)), TOP),
        alerts=found[0], alert_counts=found[1],
    )


def _query(code: str, first: date, last: date) -> kpi.KpiQuery:
    return kpi.KpiQuery(division_code=code or None, start=alerts.local_midnight(first),
                        end=alerts.local_midnight(last + timedelta(days=1)))


def _alerts(session: Session, subject: Subject, code: str, b: Bounds,
            lang: str) -> tuple[list[dict[str, Any]], dict[str, int]]:
    filters = {"division_code": code or None, "day_from": b.start, "day_to": b.end}
    items, _total = alerts.list_alerts(session, subject, filters, 0, 500)
    described = alerts.describe(session, items, lang)
    counts: dict[str, int] = {}
    for a in described:
        counts[a["kind_label"]] = counts.get(a["kind_label"], 0) + 1
    return described[:TOP], counts


def fmt(key: str, value: float | None) -> str:
    """A KPI as printed in reports: rates as percentages with one decimal, hours with one decimal, counts whole."""
    if value is None:
        return "—"
    if key.endswith("_rate"):
        return f"{value * 100:.1f}%"
    if key == "avg_handling_hours":
        return f"{value:.1f}"
    return f"{int(value)}"


def delta(key: str, now: float | None, before: float | None) -> str:
    """Change against the previous period: percentage points for rates, plain difference otherwise."""
    if now is None or before is None:
        return "—"
    diff = (now - before) * (100 if key.endswith("_rate") else 1)
    if abs(diff) < 0.05:
        return "±0"
    unit = "pp" if key.endswith("_rate") else ""
    return f"{diff:+.1f}{unit}" if key.endswith("_rate") or key == "avg_handling_hours" else f"{int(diff):+d}"


def headline(data: ReportData) -> list[dict[str, str]]:
    """Rows of the KPI table: label, this period, previous period, change."""
    rows = []
    for key in HEADLINE:
        label = data.current.labels[key]["en" if data.lang == "en" else "zh"]
        now, before = getattr(data.current, key), getattr(data.previous, key)
        rows.append({"key": key, "label": label, "value": fmt(key, now), "previous": fmt(key, before),
                     "delta": delta(key, now, before)})
    return rows
