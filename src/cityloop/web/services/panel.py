"""The cockpit's 一网通办 panel: a template in the cockpit grid and its figures in /cockpit/data."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from cityloop.kit.auth import Subject
from cityloop.services import kpi
from cityloop.web.cockpit import data as cockpit_data
from cityloop.web.cockpit import views as cockpit_views

TEMPLATE = "services/_cockpit_panel.html"
SHOWN = ("received", "online_rate", "instant_rate", "compression", "on_time_rate", "avg_visits", "correction_rate",
         "good_rate", "rectified_rate", "rectified_on_time_rate")


def provide(session: Session, subject: Subject, division_code: str | None, period: str,
            lang: str) -> dict[str, Any]:
    """The panel's KPIs for the cockpit's period and area (rates as percentages)."""
    start, end = cockpit_data.period_bounds(period)
    rows = kpi.report(session, subject, kpi.KpiQuery(start, end, division_code or ""))
    row = rows[0] if rows else {}
    return {"services": {k: _shown(k, row.get(k)) for k in SHOWN}}


def _shown(key: str, value: Any) -> Any:
    if value is None:
        return "–"
    if key.endswith("_rate") or key == "compression":
        return f"{value * 100:.1f}%"
    return value


def register() -> None:
    """Add the panel to the cockpit (idempotent)."""
    if TEMPLATE not in cockpit_views.PANELS:
        cockpit_views.PANELS.append(TEMPLATE)
    if provide not in cockpit_data.PROVIDERS:
        cockpit_data.PROVIDERS.append(provide)
