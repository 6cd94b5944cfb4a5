"""Jobs of matching: policies whose validity window opened or closed since the last run are re-matched."""

from __future__ import annotations

from datetime import date

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from cityloop.kit.db import session_scope
from cityloop.policy.matching.columns import today
from cityloop.policy.matching.engine import in_force
from cityloop.policy.matching.service import rematch_policy
from cityloop.policy.policies.models import Policy

_last: list[date] = []  # the day of the last run in this process (none yet: every windowed policy is checked)


def rematch_windows(session: Session, since: date | None, day: date) -> list[str]:
    """Re-match the policies whose standing in force differs between `since` (None: unknown) and `day`."""
    stmt = select(Policy).where(Policy.is_active.is_(True),
                                or_(Policy.valid_from.is_not(None), Policy.valid_to.is_not(None)))
    moved = [p for p in session.scalars(stmt) if since is None or in_force(p, since) != in_force(p, day)]
    for policy in moved:
        rematch_policy(session, policy)
    session.commit()
    return [p.id for p in moved]


def run_window_rematch() -> list[str]:
    """One run in its own session (registered with the sweeps); at most once a day per process."""
    day = today()
    if _last and _last[-1] == day:
        return []
    with session_scope() as session:
        moved = rematch_windows(session, _last[-1] if _last else None, day)
    _last[:] = [day]
    return moved


__all__ = ["rematch_windows", "run_window_rematch"]
