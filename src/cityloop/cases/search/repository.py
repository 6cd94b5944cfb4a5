"""All SQL of the global search; every query starts from the caller's scoped cases."""

from __future__ import annotations

import time
from datetime import datetime

from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from cityloop.cases.fulltext.index import matches, substring_match
from cityloop.cases.models import Case
from cityloop.cases.repository import get_case, scope_filter, scoped_cases
from cityloop.kit.auth import SYSTEM, Subject

RANK_WINDOW = 500
RECENT_WALK = 20_000  # newest cases compared word by word before the index is asked (about 30 ms on PostgreSQL)
HORIZON_SECONDS = 60.0
_horizons: dict[str, tuple[float, datetime | None]] = {}


def by_id(session: Session, subject: Subject, case_id: int) -> Case | None:
    """One visible case."""
    return get_case(session, subject, case_id)


def by_lookup_code(session: Session, subject: Subject, code: str) -> list[Case]:
    """Visible cases with this tracking code (the code citizens quote on the phone)."""
    return list(session.scalars(scoped_cases(subject).where(Case.lookup_code == code).limit(5)))


def by_phone_index(session: Session, subject: Subject, index: str, limit: int) -> list[Case]:
    """Visible cases of one reporter phone, newest first."""
    stmt = scoped_cases(subject).where(Case.reporter_phone_index == index)
    return list(session.scalars(stmt.order_by(Case.received_at.desc(), Case.id.desc()).limit(limit)))


def by_words(session: Session, subject: Subject, words: list[str], limit: int) -> list[Case]:
    """Visible cases whose title or content holds every word: by relevance on PostgreSQL, then newest first."""
    found = matches(" ".join(words), session.get_bind().dialect.name)
    stmt = scoped_cases(subject)
    if found is None:  # no letters, digits or Chinese in the words: compare the text itself
        for word in words:
            stmt = stmt.where(Case.title.contains(word, autoescape=True) | Case.content.contains(word, autoescape=True))
        return list(session.scalars(stmt.order_by(Case.received_at.desc(), Case.id.desc()).limit(limit)))
    condition, rank = found
    newest = stmt.where(condition).order_by(Case.received_at.desc(), Case.id.desc())
    if rank is None:
        return list(session.scalars(newest.limit(limit)))
    # Relevance is computed over a window of recent matches only: a common word matches a tenth of a 10 M-case
    # city, and ranking all of those would take seconds; a dispatcher searching wants the recent ones anyway.
    window = _recent_matches(session, stmt, " ".join(words), limit)
    if window is None:
        window = list(session.scalars(newest.with_only_columns(Case.id).limit(RANK_WINDOW)))
    ranked = scoped_cases(subject).where(Case.id.in_(window)).order_by(rank.desc(), Case.received_at.desc(),
                                                                        Case.id.desc())
    return list(session.scalars(ranked.limit(limit))) if window else []


def _recent_matches(session: Session, scoped: Select[tuple[Case]], query: str, limit: int) -> list[int] | None:
    """Ids of matches among the newest RECENT_WALK cases, found by walking them newest first and comparing the
    text; None when fewer than `limit` are there (a rare word: the index finds it faster).

    The index condition alone misleads PostgreSQL's planner for common words: it multiplies the pairs' frequencies
    as if independent, expects a few thousand rows, and fetches every one of the hundreds of thousands that match.
    """
    exact, horizon = substring_match(query), _horizon(session)
    if exact is None or horizon is None:
        return None
    recent = scoped.where(Case.received_at >= horizon, exact).order_by(Case.received_at.desc(), Case.id.desc())
    ids = list(session.scalars(recent.with_only_columns(Case.id).limit(RANK_WINDOW)))
    return ids if len(ids) >= limit else None


def _horizon(session: Session) -> datetime | None:
    """Receipt time of the RECENT_WALK-th newest case (None in a smaller database), re-read every minute."""
    key, now = str(session.get_bind().engine.url), time.monotonic()
    cached = _horizons.get(key)
    if cached is not None and now - cached[0] < HORIZON_SECONDS:
        return cached[1]
    # A time, not a case: read over the whole table (as the system), so every caller walks the same stretch.
    newest = scope_filter(select(Case.received_at), SYSTEM).order_by(Case.received_at.desc())
    horizon = session.scalar(newest.offset(RECENT_WALK).limit(1))
    _horizons[key] = (now, horizon)
    return horizon
