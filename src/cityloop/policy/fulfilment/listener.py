"""The 免申即享 listener: a change of eligibility opens or withdraws fulfilment tasks in the match's transaction."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session

from cityloop.policy.fulfilment import opening
from cityloop.policy.matching.hooks import Change, listen
from cityloop.policy.policies.models import Policy


@listen
def on_changes(session: Session, changes: Sequence[Change]) -> None:
    """Newly eligible subjects of a no-application policy get a task; those who lost eligibility are withdrawn."""
    moved = [c for c in changes if (c.before == "eligible") != (c.after == "eligible")]
    if not moved:
        return
    ids = sorted({c.policy_id for c in moved})
    stmt = select(Policy).where(Policy.id.in_(ids), Policy.no_application.is_(True))
    for policy in session.scalars(stmt):
        gained = [c.subject_id for c in moved if c.policy_id == policy.id and c.after == "eligible"]
        lost = [c.subject_id for c in moved if c.policy_id == policy.id and c.before == "eligible"]
        if gained:
            opening.open_for(session, policy, gained)
        if lost:
            opening.withdraw(session, policy, lost)
