"""Daily jobs of matching: policies whose validity window opened or closed, and person policies that read the age
(people have birthdays), are re-matched when the day changes."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from cityloop.kit.db import session_scope
from cityloop.policy.matching.columns import today
from cityloop.policy.matching.engine import in_force, read
from cityloop.policy.matching.service import rematch_policy
from cityloop.policy.policies.models import Policy

_last: list[date] = []  # the day of the last run in this process (none yet: every windowed policy is checked)


def rematch_for_day(session: Session, since: date | None, day: date) -> list[str]:
    """Re-match the policies whose standing in force differs between `since` (None: unknown) and `day`, and the
    person policies in force that read the age (when the day changed)."""
    stmt = select(Policy).where(Policy.is_active.is_(True))
    moved = [p for p in session.scalars(stmt) if (since is None or in_force(p, since) != in_force(p, day))
             and (p.valid_from is not None or p.valid_to is not None)
             or (since != day and p.object == "person" and in_force(p, day) and "age" in read(p.criteria))]
    for policy in moved:
        rematch_policy(session, policy)
    session.commit()
    return [p.id for p in moved]


def run_daily_rematch() -> list[str]:
    """One run in its own session (registered with the sweeps); at most once a day per process."""
    day = today()
    if _last and _last[-1] == day:
        return []
    with session_scope() as session:
        moved = rematch_for_day(session, _last[-1] if _last else None, day)
    _last[:] = [day]
    return moved


__all__ = ["rematch_for_day", "run_daily_rematch"]
