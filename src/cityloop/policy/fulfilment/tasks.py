"""Jobs of the fulfilment module."""

from __future__ import annotations

from cityloop.kit.db import session_scope
from cityloop.policy.fulfilment.sla import SweepReport, sweep


def run_sweep() -> SweepReport:
    """One fulfilment sweep in its own session."""
    with session_scope() as session:
        return sweep(session)
