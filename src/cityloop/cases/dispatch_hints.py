"""What the dispatch queue shows per waiting case: when dispatch is due and which units to send it to."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from cityloop.cases import repository as repo
from cityloop.cases import routing
from cityloop.cases.calendar_source import calendar, dispatch_due
from cityloop.cases.models import Case
from cityloop.cases.states import State

MAX_UNITS = 5
# A unit the responsibility list names for the applied category outranks any model's guess.
RULE_SCORE = 1.0


@dataclass(frozen=True)
class Hint:
    """Dispatch due time and ranked unit suggestions of one waiting case."""

    due_at: datetime | None
    units: list[tuple[int, float, str]]  # (unit id, score, source), best first


def hints(session: Session, cases: Sequence[Case]) -> dict[int, Hint]:
    """Hints for the cases waiting for dispatch among `cases` (one query for the returned ones)."""
    waiting = [c for c in cases if c.state == State.RECEIVED]
    returned = [c.id for c in waiting if c.dispatched_at is not None]
    back_at = repo.last_events_at(session, returned, "approve_return")
    cal = calendar(session)
    out: dict[int, Hint] = {}
    for case in waiting:
        if case.dispatched_at is None:
            due: datetime | None = case.dispatch_deadline
        else:
            # Back from a unit: dispatching again has a limit of its own, counted from the approved return.
            due = dispatch_due(cal, back_at.get(case.id) or case.received_at)
        out[case.id] = Hint(due, ranked_units(session, case))
    return out


def ranked_units(session: Session, case: Case) -> list[tuple[int, float, str]]:
    """Units for a waiting case, best first: the responsibility list for its (candidate) categories, then the model."""
    scores: dict[int, tuple[float, str]] = {}
    for code, weight in _categories(case):
        route = routing.route(session, case.taxonomy_version_id, code, case.division_code, case.appeal_type,
                              case.grid_code)
        if route.unit_id is not None:
            _keep(scores, route.unit_id, weight, "rule")
    for guess in case.suggestions.get("suggested_units") or []:
        unit_id = _int(guess.get("unit_id"))
        if unit_id is not None:
            _keep(scores, unit_id, float(guess.get("probability") or 0.0), "model")
    active = routing.active_unit_ids(session)
    ranked = sorted(((u, s, src) for u, (s, src) in scores.items() if u in active), key=lambda t: (-t[1], t[0]))
    return ranked[:MAX_UNITS]


def _categories(case: Case) -> list[tuple[str, float]]:
    found: list[tuple[str, float]] = [(case.category_code, RULE_SCORE)] if case.category_code else []
    for candidate in case.suggestions.get("candidates") or []:
        code = candidate.get("code")
        if isinstance(code, str) and code and code != case.category_code:
            found.append((code, float(candidate.get("probability") or 0.0)))
    return found


def _keep(scores: dict[int, tuple[float, str]], unit_id: int, score: float, source: str) -> None:
    if unit_id not in scores or scores[unit_id][0] < score:
        scores[unit_id] = (round(min(max(score, 0.0), 1.0), 4), source)


def _int(value: Any) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None
