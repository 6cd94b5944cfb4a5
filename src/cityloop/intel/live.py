"""Live wiring: duplicate candidates at intake from a process-wide index, reply hints after handling."""

from __future__ import annotations

import threading
from typing import Any

from sqlalchemy.orm import Session

from cityloop.cases.models import Case
from cityloop.cases.repository import scoped_cases
from cityloop.cases.states import State
from cityloop.intel import reply_quality
from cityloop.intel.dedup import DuplicateIndex, QueryResult
from cityloop.kit.auth import SYSTEM

# Cases in these states can still absorb a duplicate; the rest are done or merged already.
OPEN_STATES = frozenset({State.RECEIVED, State.DISPATCHED, State.HANDLING, State.RETURN_REQUESTED, State.SUSPENDED})
_lock = threading.Lock()
_index: DuplicateIndex | None = None


def _text(case: Case) -> str:
    return f"{case.title}\n{case.content}"


def _add(index: DuplicateIndex, case: Case) -> None:
    index.add(case.id, _text(case), case.lng, case.lat, case.received_at, case.category_code, case.reporter_phone_index)


def warm(session: Session, batch: int = 5000) -> DuplicateIndex:
    """Build the process-wide index from all open cases (system scope: duplicates cross unit lines)."""
    index = DuplicateIndex()
    stmt = scoped_cases(SYSTEM).where(Case.state.in_([s.value for s in OPEN_STATES])).order_by(Case.id)
    for case in session.scalars(stmt.execution_options(yield_per=batch)):
        _add(index, case)
    return index


def index(session: Session) -> DuplicateIndex:
    """Return the process-wide index, warming it on first use."""
    global _index
    if _index is None:
        with _lock:
            if _index is None:
                _index = warm(session)
    return _index


def reset() -> None:
    """Forget the index (tests, or after a bulk import)."""
    global _index
    with _lock:
        _index = None


def duplicate_candidates(session: Session, case: Case, limit: int = 5) -> QueryResult:
    """Return open cases that look like duplicates of `case` (with evidence), then index `case` if open."""
    ix = index(session)
    with _lock:
        result = ix.query(
            _text(case),
            case.lng,
            case.lat,
            case.received_at,
            case.category_code,
            case.reporter_phone_index,
            exclude=case.id,
            limit=limit,
        )
        if case.state in OPEN_STATES:
            _add(ix, case)
    return result


def forget(case: Case) -> None:
    """Drop a case that closed or was merged from the index."""
    if _index is not None:
        with _lock:
            _index.remove(case.id)


def reply_hints(case: Case, reply: str | None) -> list[dict[str, Any]]:
    """Return zh/en hints on a handler's reply to a case (a warning, never a block)."""
    asked = case.received_at.date() if case.received_at else None
    replied = case.completed_at.date() if case.completed_at else None
    return list(reply_quality.hints(_text(case), reply or "", asked, replied))
