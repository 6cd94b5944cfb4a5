"""What the dispatch queue shows per row: countdown, top categories, the ★ unit, units grouped by district."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from sqlalchemy.orm import Session

from cityloop.accounts.models import Unit
from cityloop.cases import service as cases
from cityloop.cases.schemas import CaseOut
from cityloop.cases.taxonomy import active_version_id, category_names
from cityloop.kit.auth import Subject
from cityloop.kit.errors import NotFound
from cityloop.web import lookup_service, queues, slots
from cityloop.web.display import countdown

TOP_CATEGORIES = 3


def queue_context(session: Session, subject: Subject, query: queues.ListQuery, lang: str) -> dict[str, Any]:
    """The rows of the queue and everything each row needs."""
    page = queues.fetch(session, subject, query, lang)
    units = lookup_service.units(session)
    return {
        "page": page, "units": units, "unit_groups": unit_groups(session, units),
        "suggested": {c.id: _star(session, c) for c in page.items},
        "starred": {c.id: {u.unit_id for u in c.suggested_units} for c in page.items},
        "top_categories": {c.id: top_categories(session, c, lang) for c in page.items},
        "countdowns": {c.id: countdown(c) for c in page.items},
        "area_names": lookup_service.division_names(
            session, {str(c.location.get("division_code")) for c in page.items if c.location.get("division_code")}),
    }


def _star(session: Session, case: CaseOut) -> int | None:
    # The best suggestion is preselected; the responsibility list for an applied category is the fallback.
    return case.suggested_units[0].unit_id if case.suggested_units else slots.suggest_unit(session, case)


def top_categories(session: Session, case: CaseOut, lang: str) -> list[tuple[str, str, float]]:
    """(code, name, probability) of the classifier's best categories for a case without one."""
    if case.category:
        return []
    candidates = case.suggestions.get("candidates") or []
    version = active_version_id(session)
    names = category_names(session, version) if version else {}
    out = []
    for cand in candidates[:TOP_CATEGORIES]:
        code = str(cand.get("code") or "")
        zh, en = names.get(code, (code, ""))
        out.append((code, en if lang == "en" and en else zh, float(cand.get("probability") or 0.0)))
    return out


def unit_groups(session: Session, units: list[Unit]) -> list[tuple[str, list[Unit]]]:
    """Units grouped under the name of the district (or street) they sit in, in code order."""
    groups: dict[str, list[Unit]] = defaultdict(list)
    for unit in units:
        groups[unit.division_code].append(unit)
    names = lookup_service.division_names(session, set(groups))
    return [(names.get(code, code), groups[code]) for code in sorted(groups)]


def just_dispatched(session: Session, subject: Subject, raw_id: str | None, lang: str) -> CaseOut | None:
    """The case the dispatcher has just sent, for the "已派至 …" confirmation (None if not visible any more)."""
    if not raw_id or not raw_id.isdigit() or len(raw_id) > 18:
        return None
    try:
        return cases.case_detail(session, subject, int(raw_id), lang)
    except NotFound:
        return None
