"""Live wiring: duplicate candidates at intake from a process-wide index kept in step with the case-event feed."""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from cityloop.cases import intake
from cityloop.cases.models import Case, CaseEvent
from cityloop.cases.repository import scoped_cases
from cityloop.cases.states import State
from cityloop.config import get_settings
from cityloop.intel import reply_quality
from cityloop.intel.dedup.index import DedupParams, DuplicateIndex, Match, QueryResult
from cityloop.intel.text import tokenizer
from cityloop.kit.auth import SYSTEM
from cityloop.kit.clock import utcnow
from cityloop.kit.db import cache_clearers

log = logging.getLogger(__name__)
# Cases in these states can still absorb a duplicate; the rest are done or merged already.
OPEN_STATES = frozenset({State.RECEIVED, State.DISPATCHED, State.HANDLING, State.RETURN_REQUESTED, State.SUSPENDED})
_OPEN = frozenset(s.value for s in OPEN_STATES)
_BATCH = 5000
# Only cases received this recently are auto-merged; imports of older cases only get suggestions.
LIVE_WINDOW = timedelta(hours=1)
# How stale this process's view of other processes' intake may get.
CATCH_UP_SECONDS = 1.0
FEED_OVERLAP = 200
_lock = threading.RLock()


@dataclass
class _Live:
    """The index of one database and how far into its event feed it has read."""

    database: str
    index: DuplicateIndex
    event_mark: int
    caught_up_at: float = 0.0


_live: _Live | None = None


# What the index keeps of a case: read as plain rows (no ORM objects) when millions are loaded at start.
_INDEXED = (Case.id, Case.title, Case.content, Case.lng, Case.lat, Case.received_at, Case.category_code,
            Case.reporter_phone_index)


def _text(case: Any) -> str:
    return f"{case.title}\n{case.content}"


def _add(index: DuplicateIndex, case: Any) -> None:
    """Index a case or a row of `_INDEXED`."""
    index.add(case.id, _text(case), case.lng, case.lat, case.received_at, case.category_code, case.reporter_phone_index)


def _open_rows(session: Session, *where: Any) -> Any:
    stmt = scoped_cases(SYSTEM).with_only_columns(*_INDEXED).where(Case.state.in_(_OPEN), *where).order_by(Case.id)
    return session.execute(stmt.execution_options(yield_per=_BATCH))


def _database(session: Session) -> str:
    return str(session.get_bind().engine.url)


def _last_event_id(session: Session) -> int:
    return int(session.scalar(select(func.max(CaseEvent.id))) or 0)


def warm(session: Session) -> DuplicateIndex:
    """Build an index of all open cases (system scope: duplicates cross unit lines)."""
    tuned = {code: DedupParams(**values) for code, values in get_settings().dedup_category_params.items()}
    index = DuplicateIndex(per_category=tuned)
    for row in _open_rows(session):
        _add(index, row)
    return index


def index(session: Session, fresh: bool = False) -> DuplicateIndex:
    """The process-wide index of this database, warmed on first use and caught up with the event feed.

    Cases this process files are added at once (`remember`); what other processes did is read from the feed at
    most every CATCH_UP_SECONDS (`fresh` forces it), which keeps intake to one cheap query most of the time.
    """
    global _live
    with _lock:
        database = _database(session)
        live = _live
        due = fresh or live is None or time.monotonic() - live.caught_up_at >= CATCH_UP_SECONDS
        if not due and live is not None and live.database == database:
            return live.index
        last = _last_event_id(session)
        if live is None or live.database != database or last < live.event_mark:
            # First use, another database, or an emptied event table (tests, restore): start again.
            live = _live = _Live(database, warm(session), last)  # mark read first: later events are replayed
        _catch_up(session, live)
        live.caught_up_at = time.monotonic()
        return live.index


def _catch_up(session: Session, live: _Live) -> None:
    """Apply events other processes (or this one) wrote since the last look: new, closed, reopened cases.

    Event ids are handed out before commit, so a slow transaction can commit an id below one already read; the
    first read of each catch-up steps back FEED_OVERLAP ids to pick such late events up (re-applying is harmless:
    the latest event of a case decides, and cases are re-read from the database before they are added).
    """
    after = max(0, live.event_mark - FEED_OVERLAP)
    while True:
        rows = session.execute(select(CaseEvent.id, CaseEvent.case_id, CaseEvent.to_state)
                               .where(CaseEvent.id > after).order_by(CaseEvent.id).limit(_BATCH)).all()
        if not rows:
            return
        latest = {case_id: state for _id, case_id, state in rows}
        after = rows[-1][0]
        live.event_mark = max(live.event_mark, after)
        missing = [cid for cid, state in latest.items() if state in _OPEN and cid not in live.index]
        for cid, state in latest.items():
            if state not in _OPEN:
                live.index.remove(cid)
        if missing:
            for row in _open_rows(session, Case.id.in_(missing)):
                _add(live.index, row)


def reset() -> None:
    """Forget the index (another database, or after a bulk import)."""
    global _live
    with _lock:
        _live = None


cache_clearers.append(reset)


def duplicate_candidates(session: Session, case: Case, limit: int = 5) -> QueryResult:
    """Open cases that look like duplicates of `case` (with evidence), and other open cases of its caller."""
    with _lock:
        return index(session).query(_text(case), case.lng, case.lat, case.received_at, case.category_code,
                                    case.reporter_phone_index, exclude=case.id, limit=limit)


def remember(session: Session, case: Case) -> None:
    """After intake: index a new open case right away, so a repeat filed a moment later is caught."""
    try:
        with _lock:
            if _live is not None and _live.database == _database(session) and case.state in _OPEN:
                _add(_live.index, case)
    except Exception:  # the feed adds it within a second anyway
        log.exception("indexing new case %s failed", case.id)


def forget(case: Case) -> None:
    """Drop a case that closed or was merged from this process's index now (the event feed would, later)."""
    with _lock:
        if _live is not None:
            _live.index.remove(case.id)


# ------------------------------------------------------------------------------------------------ intake hooks


def screen(session: Session, case: Case) -> dict[str, object]:
    """Intake screener: duplicate candidates and repeat-caller cases as evidence; never raises."""
    if not get_settings().dedup_screening:
        return {}
    try:
        result = duplicate_candidates(session, case)
    except Exception:  # dedup is advice: a failure costs the hint, never the case
        log.exception("duplicate screening failed")
        return {}
    evidence: dict[str, object] = {}
    if result.matches:
        evidence["duplicates"] = [_match_json(m) for m in result.matches]
    if result.repeat_caller_ids:
        evidence["repeat_caller_ids"] = [int(str(i)) for i in result.repeat_caller_ids]
    return evidence


def _match_json(match: Match) -> dict[str, Any]:
    return {"case_id": int(str(match.id)), "decision": match.decision, "similarity": round(match.similarity, 3),
            "distance_m": None if match.distance_m is None else round(match.distance_m, 1),
            "hours_apart": None if match.hours_apart is None else round(match.hours_apart, 1),
            "same_caller": match.same_caller, "shared_keywords": list(match.shared_keywords)}


def auto_merge(session: Session, case: Case) -> None:
    """After intake: merge a new case into an open one it surely repeats (strict thresholds); never raises."""
    best = next((d for d in case.suggestions.get("duplicates", []) if d.get("decision") == "auto_merge"), None)
    if best is None or not get_settings().dedup_auto_merge:
        return
    if case.received_at < utcnow() - LIVE_WINDOW:
        return  # a back-filled historic case: suggest, never merge behind anyone's back
    from cityloop.cases import workflow
    from cityloop.cases.schemas import ActionIn

    note = f"系统自动并案：与 {best['case_id']} 相似度 {best['similarity']:.2f}"
    try:
        workflow.perform(session, SYSTEM, case.id, "merge", ActionIn(into=best["case_id"], note=note))
        forget(case)
    except Exception:  # the target may have closed meanwhile: the dispatcher still sees the suggestion
        session.rollback()
        log.warning("auto-merge of case %s into %s skipped", case.id, best["case_id"], exc_info=True)


def register() -> None:
    """Plug screening and auto-merge into intake (idempotent)."""
    if screen not in intake.screeners:
        intake.screeners.append(screen)
    if tokenizer not in intake.warmers:  # shared keywords of a match are segmented words
        intake.warmers.append(tokenizer)
    for hook in (remember, auto_merge):
        if hook not in intake.after_intake:
            intake.after_intake.append(hook)


def unregister() -> None:
    """Remove the intake hooks."""
    while screen in intake.screeners:
        intake.screeners.remove(screen)
    while tokenizer in intake.warmers:
        intake.warmers.remove(tokenizer)
    for hook in (remember, auto_merge):
        while hook in intake.after_intake:
            intake.after_intake.remove(hook)


def reply_hints(case: Case, reply: str | None) -> list[dict[str, Any]]:
    """Return zh/en hints on a handler's reply to a case (a warning, never a block)."""
    asked = case.received_at.date() if case.received_at else None
    replied = case.completed_at.date() if case.completed_at else None
    return list(reply_quality.hints(_text(case), reply or "", asked, replied))
