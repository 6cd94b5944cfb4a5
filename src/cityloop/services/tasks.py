"""Jobs of the services module."""

from __future__ import annotations

from cityloop.kit.db import session_scope
from cityloop.services.applications.sla import SweepReport, sweep


def run_sweep() -> SweepReport:
    """One applications SLA sweep in its own session."""
    with session_scope() as session:
        return sweep(session)
