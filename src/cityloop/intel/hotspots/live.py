"""Live hot issues (热点问题) over the caller's newest cases of a window (bounded), cached per scope and window."""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.orm import Session

from cityloop.cases.kpi import READ_ROLES
from cityloop.config import get_settings
from cityloop.intel.alerts import repository as repo
from cityloop.intel.hotspots import cluster as hotspots
from cityloop.kit.auth import Subject
from cityloop.kit.clock import utcnow
from cityloop.kit.db import cache_clearers
from cityloop.kit.errors import Forbidden, ValidationFailed

CACHE_SECONDS = 300.0
DEFAULT_DAYS = 30
MAX_DAYS = 365  # the API refuses longer windows (422); the work is bounded by Settings.hotspots_max_cases anyway
# The address is prepended to the text so that place extraction sees it; the standardiser is not needed then.
PARAMS = hotspots.HotspotParams(standardise=False)


@dataclass(frozen=True)
class Ranked:
    """Hot issues of a window, with how many of its cases were clustered and whether older ones were left out."""

    items: list[dict[str, Any]]
    considered: int
    truncated: bool
    # Receipt time of the oldest case clustered when the window was truncated (the period actually covered).
    covered_from: datetime | None = None
    computed_at: datetime = field(default_factory=utcnow)


_lock = threading.Lock()
_cache: dict[tuple[str, str, int, int], tuple[datetime, Ranked]] = {}


def clear_cache() -> None:
    """Forget cached results (tests, database switch)."""
    with _lock:
        _cache.clear()


cache_clearers.append(clear_cache)


def hot_issues(session: Session, subject: Subject, division_code: str | None = None, days: int = DEFAULT_DAYS,
               top: int = 10, now: datetime | None = None) -> list[dict[str, Any]]:
    """Ranked hot issues of the subject's area (narrowed to `division_code`) over the last `days` days."""
    return ranked(session, subject, division_code, days, top, now).items


def ranked(session: Session, subject: Subject, division_code: str | None = None, days: int = DEFAULT_DAYS,
           top: int = 10, now: datetime | None = None) -> Ranked:
    """Hot issues over the last `days` days with the bounds of the work done; cached per scope and window."""
    _check(subject)
    if not 1 <= days <= MAX_DAYS:
        raise ValidationFailed({"days": (f"天数应在 1 到 {MAX_DAYS} 之间", f"days must be 1 to {MAX_DAYS}")})
    if now is not None:  # an explicit moment (reports, tests) is never served from the cache
        return _compute(session, subject, division_code, now - timedelta(days=days), now, top)
    key = (subject.scope if subject.is_staff else f"user:{subject.id}", division_code or "", days, top)
    end = utcnow()
    with _lock:
        hit = _cache.get(key)
    if hit and hit[0] > end:
        return hit[1]
    result = _compute(session, subject, division_code, end - timedelta(days=days), end, top)
    with _lock:
        _cache[key] = (end + timedelta(seconds=CACHE_SECONDS), result)
    return result


def between(session: Session, subject: Subject, division_code: str | None, start: datetime, end: datetime,
            top: int = 10) -> list[dict[str, Any]]:
    """Ranked hot issues of cases received in [start, end) (reports; not cached)."""
    _check(subject)
    return _compute(session, subject, division_code, start, end, top).items


def current(session: Session, subject: Subject) -> list[dict[str, Any]]:
    """The five hottest issues of the subject's area in the last 30 days (cockpit slot)."""
    return hot_issues(session, subject, top=5)


def _check(subject: Subject) -> None:
    if not subject.has(*READ_ROLES):
        raise Forbidden("您的角色不能查看热点问题", "Your role may not read hot issues")


def _compute(session: Session, subject: Subject, division_code: str | None, start: datetime, end: datetime,
             top: int) -> Ranked:
    cap = get_settings().hotspots_max_cases
    # One row more than the cap tells whether the window held more cases, without counting them all.
    rows = repo.case_texts(session, subject, division_code, start, end, cap + 1)
    truncated = len(rows) > cap
    rows = rows[:cap]
    messages = [hotspots.Message(id=r["id"], title=r["title"], text=f"{r['address'] or ''} {r['content']}",
                                 at=r["received_at"], user=r["reporter_phone_index"] or f"case:{r['id']}")
                for r in rows]
    items = [_out(h) for h in hotspots.rank(messages, PARAMS, top)]
    covered_from = rows[-1]["received_at"] if truncated else None
    return Ranked(items, len(rows), truncated, covered_from, utcnow())


def _out(h: hotspots.HotIssue) -> dict[str, Any]:
    # JSON-ready (ISO times): the cockpit hands these dicts straight to JSONResponse.
    label = f"{h.place} · {h.description}" if h.place else h.description
    return {"rank": h.rank, "issue_id": h.issue_id, "heat": h.heat, "start": h.start.isoformat(),
            "end": h.end.isoformat(), "place": h.place, "description": h.description, "n_messages": h.n_messages,
            "n_reporters": h.n_reporters, "growth": h.growth, "case_ids": [int(str(i)) for i in h.message_ids],
            "label": label, "count": h.n_messages}
