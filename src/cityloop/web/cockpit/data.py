"""Cockpit data: every figure comes from the KPI service (cases.kpi); this module only picks and shapes them."""

from __future__ import annotations

import importlib
import json
import logging
from collections.abc import Callable
from datetime import datetime, time, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session

from cityloop.cases import kpi
from cityloop.cases import service as cases
from cityloop.cases.states import OPEN_STATES, STATE_META, State
from cityloop.kit.auth import Subject
from cityloop.kit.clock import LOCAL_TZ, to_local, utcnow

log = logging.getLogger("cityloop.web")
PERIODS: dict[str, tuple[str, str, int]] = {
    "7d": ("近7天", "Last 7 days", 7),
    "30d": ("近30天", "Last 30 days", 30),
    "90d": ("近90天", "Last 90 days", 90),
    "365d": ("近一年", "Last year", 365),
}
TILES = ["received", "instant_dispatch_rate", "on_time_sign_rate", "on_time_completion_rate", "completion_rate",
         "overdue_count", "avg_handling_hours", "satisfaction_rate", "revisit_rate", "redo_rate",
         "first_time_resolution_rate", "reassign_rate"]
HEAT_RATES = ["instant_dispatch_rate", "on_time_sign_rate", "on_time_completion_rate", "satisfaction_rate"]
TREND_KEYS = ["received", "completed", "overdue_count", "on_time_completion_rate", "satisfaction_rate"]
MAP_POINTS = 500
# Tile definitions (the formulas of docs/kpi.md in plain words), kept as data beside the code.
HINTS: dict[str, list[str]] = json.loads((Path(__file__).with_name("tiles.json")).read_text(encoding="utf-8"))
# Providers of extra cockpit figures: each takes (session, subject, division_code, period, lang) and returns a dict
# merged into /cockpit/data; other modules append theirs from `cityloop.app.register_hooks()`.
PROVIDERS: list[Callable[[Session, Subject, str | None, str, str], dict[str, Any]]] = []


def period_bounds(period: str, now: datetime | None = None) -> tuple[datetime, datetime]:
    """[start, end) of a named period in whole local days, ending with today."""
    days = PERIODS.get(period, PERIODS["30d"])[2]
    today = to_local(now or utcnow()).date()
    end = datetime.combine(today + timedelta(days=1), time.min, LOCAL_TZ)
    return end - timedelta(days=days), end


def _query(division_code: str | None, period: str) -> kpi.KpiQuery:
    start, end = period_bounds(period)
    return kpi.KpiQuery(division_code=division_code or None, start=start, end=end)


def _rows(breakdown: kpi.KpiBreakdown, keys: list[str]) -> list[dict[str, Any]]:
    return [{"key": r.key, "label": r.label, **{k: getattr(r, k) for k in keys}} for r in breakdown.rows]


def data(session: Session, subject: Subject, division_code: str | None, period: str, lang: str) -> dict[str, Any]:
    """Everything the cockpit draws, as JSON-ready values."""
    query = _query(division_code, period)
    report = kpi.kpi_report(session, subject, query)
    # The same-length period just before: month-on-month for 30 days, and so on.
    start, end = period_bounds(period)
    before = kpi.kpi_report(session, subject, kpi.KpiQuery(division_code=query.division_code,
                                                           start=start - (end - start), end=start))
    labels = {k: v["en" if lang == "en" else "zh"] for k, v in report.labels.items()}
    by: kpi.By = "day" if PERIODS.get(period, PERIODS["30d"])[2] <= 90 else "month"

    def breakdown(group: kpi.By, sort: str | None = None, limit: int | None = None) -> kpi.KpiBreakdown:
        return kpi.kpi_breakdown(session, subject, query, group, sort=sort, limit=limit, lang=lang)

    figure_keys = sorted(set(TILES) | set(HEAT_RATES) | set(TREND_KEYS))
    units = breakdown("unit", sort="-received", limit=15)
    hot = hot_issues(session, subject)
    return {
        "as_of": report.as_of.isoformat(), "period": period, "division_code": division_code or "",
        "labels": labels,
        "tiles": [_tile(k, labels, getattr(report, k), getattr(before, k), lang) for k in TILES],
        "trend": _rows(breakdown(by), TREND_KEYS),
        "categories": _rows(breakdown("category", sort="-received", limit=10), ["received", "overdue_count"]),
        "channels": _rows(breakdown("channel", sort="-received"), ["received"]),
        "units": _rows(units, figure_keys),
        "areas": _rows(breakdown("division", sort="-received", limit=20), figure_keys),
        "warnings": _rows(breakdown("unit", sort="-overdue_count", limit=5), ["overdue_count", "received"]),
        "hot": hot or _rows(breakdown("category", sort="-received", limit=5), ["received"]),
        "hot_source": "intel" if hot else "kpi",
        "heat": {"metrics": HEAT_RATES + ["overdue_count"]},
        "points": points(session, subject, query, lang),
    } | _provided(session, subject, division_code, period, lang)


def _tile(key: str, labels: dict[str, str], value: Any, previous: Any, lang: str) -> dict[str, Any]:
    hint = HINTS.get(key, ["", ""])
    unit = "hours" if key.endswith("_hours") else "rate" if key.endswith("_rate") else "count"
    return {"key": key, "label": labels.get(key, key), "value": value, "previous": previous, "unit": unit,
            "rate": unit == "rate", "hint": hint[1 if lang == "en" else 0],
            # Lower is better for these: the tile colours a rise red, not green.
            "lower_is_better": key in {"overdue_count", "avg_handling_hours", "redo_rate", "reassign_rate"}}


def _provided(session: Session, subject: Subject, division_code: str | None, period: str,
              lang: str) -> dict[str, Any]:
    extra: dict[str, Any] = {}
    for provider in PROVIDERS:
        try:
            extra.update(provider(session, subject, division_code, period, lang))
        except Exception:  # one panel's failure must never blank the cockpit
            log.warning("cockpit provider failed", exc_info=True)
    return extra


def points(session: Session, subject: Subject, query: kpi.KpiQuery, lang: str) -> dict[str, Any]:
    """Cases of the period with coordinates, as a GeoJSON FeatureCollection (overdue flagged)."""
    filters: dict[str, Any] = {"received_from": query.start, "received_to": query.end,
                               "division_code": query.division_code}
    now = utcnow()
    page = cases.list_cases(session, subject, filters, 0, MAP_POINTS, lang=lang)
    features = []
    for c in page.items:
        if c.location.get("lng") is None or c.location.get("lat") is None:
            continue
        late = State(c.state) in OPEN_STATES and c.deadline is not None and c.deadline < now
        features.append({
            "type": "Feature",
            "geometry": {"type": "Point", "coordinates": [c.location["lng"], c.location["lat"]]},
            "properties": {"id": c.id, "number": c.number, "title": c.title, "state": c.state_label,
                           "colour": "#ff4d4f" if late else STATE_META[State(c.state)][2], "overdue": late},
        })
    return {"type": "FeatureCollection", "features": features}


def hot_issues(session: Session, subject: Subject) -> list[dict[str, Any]]:
    """Hot issues from the intelligence module once it offers `intel.hotspots.current(session, subject)` (slot)."""
    current = slot_function("cityloop.intel.hotspots.live", "current")
    if current is None:
        return []
    try:
        return [h if isinstance(h, dict) else vars(h) for h in current(session, subject)][:5]
    except Exception:  # a slot must never break the cockpit
        log.warning("hot-issue slot failed", exc_info=True)
        return []


def slot_function(module: str, name: str) -> Callable[..., Any] | None:
    """`module.name` if that module is installed and defines it; slots stay empty otherwise."""
    try:
        found = getattr(importlib.import_module(module), name, None)
    except ImportError:
        return None
    return found if callable(found) else None
