"""Queries of policy notices."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from sqlalchemy import Table, func, insert, select, update
from sqlalchemy.orm import Session

from cityloop.policy.matching.models import PolicyMatch
from cityloop.policy.notices.models import PolicyNotice

Key = tuple[str, str, str, str]
NOTICES = Table("policy_notices", PolicyNotice.metadata)  # subject kind, subject id, policy id, status


def existing(session: Session, keys: set[Key]) -> set[Key]:
    """Which of the (subject, policy, status) keys already have their notice."""
    found: set[Key] = set()
    ordered = sorted(keys)
    for start in range(0, len(ordered), 500):
        chunk = ordered[start:start + 500]
        pids = {k[2] for k in chunk}
        sids = {k[1] for k in chunk}
        stmt = select(PolicyNotice.subject_kind, PolicyNotice.subject_id, PolicyNotice.policy_id,
                      PolicyNotice.status).where(PolicyNotice.policy_id.in_(pids), PolicyNotice.subject_id.in_(sids))
        found.update(k for k in (tuple(r) for r in session.execute(stmt)) if k in keys)
    return found


def match_values(session: Session, pairs: list[tuple[str, str]]) -> dict[tuple[str, str], dict[str, Any]]:
    """The stored values of (subject, policy) standings (what the rules read), by policy in chunks."""
    found: dict[tuple[str, str], dict[str, Any]] = {}
    by_policy: dict[str, list[str]] = {}
    for sid, pid in pairs:
        by_policy.setdefault(pid, []).append(sid)
    for pid, sids in by_policy.items():
        for start in range(0, len(sids), 5000):
            stmt = select(PolicyMatch.subject_id, PolicyMatch.values).where(
                PolicyMatch.policy_id == pid, PolicyMatch.subject_id.in_(sids[start:start + 5000]))
            found.update({(sid, pid): values for sid, values in session.execute(stmt)})
    return found


def add_all(session: Session, rows: list[dict[str, Any]]) -> None:
    """Insert notices in batches."""
    for start in range(0, len(rows), 5000):
        # Core insert on the table: tens of thousands of notices at a demo or a first match, no ORM bookkeeping.
        session.execute(insert(NOTICES), rows[start:start + 5000])


def of_subject(session: Session, kind: str, subject_id: str, limit: int = 100) -> list[PolicyNotice]:
    """A subject's notices, newest first."""
    stmt = (select(PolicyNotice).where(PolicyNotice.subject_kind == kind, PolicyNotice.subject_id == subject_id)
            .order_by(PolicyNotice.id.desc()).limit(limit))
    return list(session.scalars(stmt))


def unread(session: Session, kind: str, subject_id: str) -> int:
    """How many of a subject's notices are unread."""
    stmt = select(func.count()).select_from(PolicyNotice).where(
        PolicyNotice.subject_kind == kind, PolicyNotice.subject_id == subject_id, PolicyNotice.read_at.is_(None))
    return int(session.scalar(stmt) or 0)


def mark_read(session: Session, kind: str, subject_id: str, ids: Iterable[int] | None, at: datetime) -> int:
    """Mark a subject's notices (those of `ids`, or all) read; returns how many changed."""
    stmt = update(PolicyNotice).where(PolicyNotice.subject_kind == kind, PolicyNotice.subject_id == subject_id,
                                      PolicyNotice.read_at.is_(None))
    if ids is not None:
        stmt = stmt.where(PolicyNotice.id.in_(list(ids)))
    return int(session.execute(stmt.values(read_at=at)).rowcount)  # type: ignore[attr-defined]

