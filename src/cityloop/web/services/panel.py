"""The cockpit's 一网通办 panel: a template in the cockpit grid and its figures in /cockpit/data."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from cityloop.kit.auth import Subject
from cityloop.services.applications import service as applications
from cityloop.web.cockpit import data as cockpit_data
from cityloop.web.cockpit import views as cockpit_views

TEMPLATE = "services/_cockpit_panel.html"


def provide(session: Session, subject: Subject, division_code: str | None, period: str,
            lang: str) -> dict[str, Any]:
    """The panel's figures for the cockpit's period and area."""
    start, end = cockpit_data.period_bounds(period)
    return {"services": applications.cockpit_figures(session, subject, division_code, start, end)}


def register() -> None:
    """Add the panel to the cockpit (idempotent)."""
    if TEMPLATE not in cockpit_views.PANELS:
        cockpit_views.PANELS.append(TEMPLATE)
    if provide not in cockpit_data.PROVIDERS:
        cockpit_data.PROVIDERS.append(provide)
