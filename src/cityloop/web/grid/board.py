"""Grid-work views for those who oversee it: monthly appraisal (page and XLSX) and the cockpit's grid-work panel."""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request, Response
from sqlalchemy.orm import Session

from cityloop.gridwork.appraisal import service as appraisal
from cityloop.gridwork.coverage import service as coverage
from cityloop.gridwork.tasks import service as tasks
from cityloop.kit.auth import Role, Subject
from cityloop.kit.clock import to_local, utcnow
from cityloop.kit.deps import DbSession, Lang
from cityloop.web import exports
from cityloop.web.cockpit import data as cockpit_data
from cityloop.web.cockpit import views as cockpit_views
from cityloop.web.pages import PageRoute, render
from cityloop.web.security import require

router = APIRouter(route_class=PageRoute, include_in_schema=False)
Overseer = Annotated[Subject, Depends(require(Role.SUPERVISOR, Role.DISPATCHER, Role.LEADER))]
PANEL = "grid/_cockpit_panel.html"


@router.get("/grid/appraisal")
def appraisal_page(request: Request, session: DbSession, subject: Overseer, lang: Lang, month: str = "",
                   fmt: str = "") -> Response:
    """The month's scores per grid worker; `fmt=xlsx` downloads them."""
    month = month[:7] or to_local(utcnow()).strftime("%Y-%m")
    scores = appraisal.appraise(session, subject, month)
    if fmt in {"xlsx", "csv"}:
        header, rows = appraisal.table(scores, lang)
        return exports.download(header, rows, fmt, f"grid-appraisal-{month}")
    return render(request, "grid/appraisal.html", {"scores": scores, "month": month}, subject)


@router.get("/grid/cockpit-panel")
def cockpit_panel(request: Request, session: DbSession, subject: Overseer, lang: Lang) -> Response:
    """The grid-work panel of the cockpit (loaded by htmx, refreshed with the cockpit)."""
    return render(request, "grid/_cockpit_figures.html", {"g": figures(session, subject, lang)}, subject)


def figures(session: Session, subject: Subject, lang: str) -> dict[str, Any]:
    """Yesterday's patrol coverage and the tasks running late, in the caller's area."""
    yesterday = to_local(utcnow()).date() - timedelta(days=1)
    day = coverage.coverage(session, subject, yesterday)
    running = tasks.list_tasks(session, subject, lang)
    return {"date": yesterday.isoformat(), "due": day.due, "checked": day.checked, "missed": day.missed,
            "rate": round(day.checked / day.due, 4) if day.due else None,
            "tasks_open": sum(t.done < t.total for t in running),
            "tasks_red": sum(t.card == "red" for t in running)}


def _provider(session: Session, subject: Subject, _division: str | None, _period: str, lang: str) -> dict[str, Any]:
    return {"gridwork": figures(session, subject, lang)}


def register() -> None:
    """Add the grid-work panel and its figures to the cockpit (idempotent)."""
    if PANEL not in cockpit_views.PANELS:
        cockpit_views.PANELS.append(PANEL)
    if _provider not in cockpit_data.PROVIDERS:
        cockpit_data.PROVIDERS.append(_provider)
