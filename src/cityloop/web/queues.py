"""Case lists of the consoles: filters from query strings, one call to cases.service.list_cases, exports."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.orm import Session

from cityloop.cases import service as cases
from cityloop.cases.schemas import CaseOut, CasePage
from cityloop.cases.states import OPEN_STATES, State
from cityloop.kit.auth import Subject
from cityloop.kit.clock import utcnow

PAGE_SIZE = 50
EXPORT_LIMIT = 5000
_TEXT_FILTERS = ("channel", "appeal_type", "grade", "card", "division_code", "category_code", "q")

# The states each console's queue shows.
QUEUES: dict[str, list[str]] = {
    "dispatch": [State.RECEIVED, State.RETURN_REQUESTED],
    "inbox": [State.DISPATCHED, State.HANDLING, State.RETURN_REQUESTED, State.SUSPENDED],
    "grid": [State.COMPLETED],
    "open": sorted(OPEN_STATES),
    "all": [],
}


@dataclass
class ListQuery:
    """A console list request: which queue, user filters and the page."""

    queue: str
    filters: dict[str, Any] = field(default_factory=dict)
    offset: int = 0
    order: str = "-received_at"

    def service_filters(self) -> dict[str, Any]:
        """Filters in the shape `cases.service.list_cases` takes."""
        out = {k: v for k, v in self.filters.items() if v not in (None, "")}
        states = [str(s) for s in QUEUES.get(self.queue, [])]
        if self.filters.get("state"):
            states = [self.filters["state"]] if not states or self.filters["state"] in states else ["-"]
        out["state"] = states or None
        if out.pop("overdue", None):
            out["overdue_before"] = utcnow()
        if out.get("unit_id"):
            out["unit_id"] = int(out["unit_id"])
        return out


def parse_query(queue: str, params: dict[str, str], order: str = "-received_at") -> ListQuery:
    """A ListQuery from query-string parameters (unknown keys are ignored)."""
    filters: dict[str, Any] = {k: params[k].strip()[:100] for k in _TEXT_FILTERS if params.get(k, "").strip()}
    if params.get("state"):
        filters["state"] = params["state"]
    if params.get("unit_id", "").isdigit():
        filters["unit_id"] = params["unit_id"]
    if params.get("overdue"):
        filters["overdue"] = "1"
    try:
        offset = max(0, min(int(params.get("offset") or 0), 1_000_000))
    except ValueError:
        offset = 0
    return ListQuery(queue, filters, offset, order)


def fetch(session: Session, subject: Subject, query: ListQuery, lang: str, limit: int = PAGE_SIZE) -> CasePage:
    """One page of the queue."""
    return cases.list_cases(session, subject, query.service_filters(), query.offset, limit, query.order, lang)


def fetch_all(session: Session, subject: Subject, query: ListQuery, lang: str) -> list[CaseOut]:
    """Every row of the queue for an export (bounded)."""
    items: list[CaseOut] = []
    offset = 0
    while len(items) < EXPORT_LIMIT:
        page = cases.list_cases(session, subject, query.service_filters(), offset, 500, query.order, lang)
        items.extend(page.items)
        offset += 500
        if offset >= page.total:
            break
    return items[:EXPORT_LIMIT]


def due_soon(session: Session, subject: Subject, hours: int, lang: str, extra: dict[str, Any]) -> list[CaseOut]:
    """Open cases not yet overdue whose deadline falls within `hours`."""
    now = utcnow()
    filters = {**extra, "state": [str(s) for s in _RUNNING], "overdue_before": now + timedelta(hours=hours)}
    page = cases.list_cases(session, subject, filters, 0, 200, "deadline", lang)
    return [c for c in page.items if c.deadline and c.deadline >= now]


# Suspended cases are left out: their deadline moves when they resume.
_RUNNING = sorted(OPEN_STATES - {State.SUSPENDED})


def overdue(session: Session, subject: Subject, lang: str, extra: dict[str, Any],
            now: datetime | None = None) -> CasePage:
    """Open cases past their deadline, most overdue first."""
    filters = {**extra, "state": [str(s) for s in _RUNNING], "overdue_before": now or utcnow()}
    return cases.list_cases(session, subject, filters, 0, 200, "deadline", lang)
