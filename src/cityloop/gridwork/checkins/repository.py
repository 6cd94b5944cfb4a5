"""All SQL of check-ins."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from cityloop.gridwork.checkins.models import CheckIn


def by_key(session: Session, user_id: int, key: str) -> CheckIn | None:
    """The check-in a user already sent under an idempotency key."""
    return session.scalar(select(CheckIn).where(CheckIn.user_id == user_id, CheckIn.idempotency_key == key))


def last_before(session: Session, point_ids: Sequence[int], before: datetime) -> dict[int, datetime]:
    """Each point's latest check-in before a time."""
    if not point_ids:
        return {}
    stmt = (select(CheckIn.point_id, func.max(CheckIn.at)).where(CheckIn.point_id.in_(list(point_ids)),
                                                                 CheckIn.at < before)
            .group_by(CheckIn.point_id))
    return {int(p): at for p, at in session.execute(stmt)}


def checked_between(session: Session, point_ids: Sequence[int], start: datetime, end: datetime) -> dict[int, int]:
    """How many check-ins each point had in [start, end)."""
    if not point_ids:
        return {}
    stmt = (select(CheckIn.point_id, func.count()).where(CheckIn.point_id.in_(list(point_ids)), CheckIn.at >= start,
                                                         CheckIn.at < end).group_by(CheckIn.point_id))
    return {int(p): int(n) for p, n in session.execute(stmt)}
