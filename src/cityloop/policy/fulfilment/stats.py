"""Per-policy fulfilment figures for the dashboards: tasks, paid, amount paid, median days to payment."""

from __future__ import annotations

from statistics import median
from typing import Any

from sqlalchemy.orm import Session

from cityloop.policy.fulfilment import repository as repo
from cityloop.policy.fulfilment.states import Stage


def fulfilment_stats(session: Session, policy_ids: list[str], division_prefix: str = "") -> dict[str, dict[str, Any]]:
    """policy id → {tasks, paid, amount_paid, median_days_to_pay} of the tasks in an area (all when prefix is "")."""
    out: dict[str, dict[str, Any]] = {p: {"tasks": 0, "paid": 0, "amount_paid": 0.0, "median_days_to_pay": None}
                                      for p in policy_ids}
    days: dict[str, list[float]] = {p: [] for p in policy_ids}
    for task in repo.of_policies(session, policy_ids, division_prefix):
        figures = out[task.policy_id]
        figures["tasks"] += 1
        if task.stage == Stage.PAID and task.paid_at is not None:
            figures["paid"] += 1
            figures["amount_paid"] = round(figures["amount_paid"] + (task.amount or 0.0), 2)
            days[task.policy_id].append((task.paid_at - task.created_at).total_seconds() / 86400)
    for pid, spans in days.items():
        if spans:
            out[pid]["median_days_to_pay"] = round(median(spans), 2)
    return out
