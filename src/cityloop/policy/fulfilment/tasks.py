"""Jobs of the fulfilment module."""

from __future__ import annotations

from cityloop.kit.db import session_scope
from cityloop.policy.fulfilment.sla import SweepReport, sweep
from cityloop.policy.matching.tasks import run_daily_rematch


def run_sweep() -> SweepReport:
    """The daily re-match (windows, ages; once a day), then one fulfilment sweep in its own session."""
    # The re-match first: a task withdrawn because its subject stopped being eligible is not marked overdue.
    run_daily_rematch()
    with session_scope() as session:
        return sweep(session)
