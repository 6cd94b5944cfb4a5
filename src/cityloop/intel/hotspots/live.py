"""Live hot issues (热点问题) over the caller's recent cases, cached for a few minutes per scope and window."""

from __future__ import annotations

import threading
import time
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.orm import Session

from cityloop.cases.kpi import READ_ROLES
from cityloop.intel.alerts import repository as repo
from cityloop.intel.hotspots import cluster as hotspots
from cityloop.kit.auth import Subject
from cityloop.kit.clock import utcnow
from cityloop.kit.db import cache_clearers
from cityloop.kit.errors import Forbidden

CACHE_SECONDS = 300.0
MAX_CASES = 10_000  # newest cases clustered per call: ≈2 CPU-s uncached since clustering became linear
DEFAULT_DAYS = 30
# The address is prepended to the text so that place extraction sees it; the standardiser is not needed then.
PARAMS = hotspots.HotspotParams(standardise=False)

_lock = threading.Lock()
_cache: dict[tuple[str, str, int, int], tuple[float, list[dict[str, Any]]]] = {}


def clear_cache() -> None:
    """Forget cached results (tests, database switch)."""
    with _lock:
        _cache.clear()


cache_clearers.append(clear_cache)


def hot_issues(session: Session, subject: Subject, division_code: str | None = None, days: int = DEFAULT_DAYS,
               top: int = 10, now: datetime | None = None) -> list[dict[str, Any]]:
    """Ranked hot issues of the subject's area (narrowed to `division_code`) over the last `days` days."""
    if not subject.has(*READ_ROLES):
        raise Forbidden("您的角色不能查看热点问题", "Your role may not read hot issues")
    if now is not None:  # an explicit moment (reports, tests) is never served from the cache
        return _compute(session, subject, division_code, now - timedelta(days=days), now, top)
    key = (subject.scope if subject.is_staff else f"user:{subject.id}", division_code or "", days, top)
    with _lock:
        hit = _cache.get(key)
    if hit and hit[0] > time.monotonic():
        return hit[1]
    end = utcnow()
    result = _compute(session, subject, division_code, end - timedelta(days=days), end, top)
    with _lock:
        _cache[key] = (time.monotonic() + CACHE_SECONDS, result)
    return result


def between(session: Session, subject: Subject, division_code: str | None, start: datetime, end: datetime,
            top: int = 10) -> list[dict[str, Any]]:
    """Ranked hot issues of cases received in [start, end) (reports; not cached)."""
    if not subject.has(*READ_ROLES):
        raise Forbidden("您的角色不能查看热点问题", "Your role may not read hot issues")
    return _compute(session, subject, division_code, start, end, top)


def current(session: Session, subject: Subject) -> list[dict[str, Any]]:
    """The five hottest issues of the subject's area in the last 30 days (cockpit slot)."""
    return hot_issues(session, subject, top=5)


def _compute(session: Session, subject: Subject, division_code: str | None, start: datetime, end: datetime,
             top: int) -> list[dict[str, Any]]:
    rows = repo.case_texts(session, subject, division_code, start, end, MAX_CASES)
    messages = [hotspots.Message(id=r["id"], title=r["title"], text=f"{r['address'] or ''} {r['content']}",
                                 at=r["received_at"], user=r["reporter_phone_index"] or f"case:{r['id']}")
                for r in rows]
    return [_out(h) for h in hotspots.rank(messages, PARAMS, top)]


def _out(h: hotspots.HotIssue) -> dict[str, Any]:
    # JSON-ready (ISO times): the cockpit hands these dicts straight to JSONResponse.
    label = f"{h.place} · {h.description}" if h.place else h.description
    return {"rank": h.rank, "issue_id": h.issue_id, "heat": h.heat, "start": h.start.isoformat(),
            "end": h.end.isoformat(), "place": h.place, "description": h.description, "n_messages": h.n_messages,
            "n_reporters": h.n_reporters, "growth": h.growth, "case_ids": [int(str(i)) for i in h.message_ids],
            "label": label, "count": h.n_messages}
