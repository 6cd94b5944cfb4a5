"""Background jobs of the case engine (run by the app's sweeper loop, `cityloop sla sweep` or huey)."""

from __future__ import annotations

from cityloop.cases.sla import SweepReport, sweep
from cityloop.kit.db import session_scope


def run_sweep() -> SweepReport:
    """One SLA sweep in its own session."""
    with session_scope() as session:
        return sweep(session)
