"""The dashboards' fulfilment figures (免申即享 tasks, payments) per policy, for one area."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from cityloop.policy.fulfilment.stats import fulfilment_stats
from cityloop.policy.policies.models import Policy


@dataclass(frozen=True)
class Paid:
    """Fulfilment of one policy: tasks opened, paid, amount paid (yuan), median days to pay."""

    tasks: int = 0
    paid: int = 0
    amount: float = 0.0
    median_days: float | None = None


def figures(session: Session, division_prefix: str) -> dict[str, Paid]:
    """Per policy id, over the tasks of the area."""
    ids = list(session.scalars(select(Policy.id)))
    return {pid: Paid(int(f["tasks"]), int(f["paid"]), float(f["amount_paid"]), f["median_days_to_pay"])
            for pid, f in fulfilment_stats(session, ids, division_prefix).items()}
