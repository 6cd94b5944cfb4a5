"""Background jobs of the intelligence module (called from the SLA sweep loop)."""

from __future__ import annotations

from cityloop.intel.alerts.service import ScanReport, scan
from cityloop.kit.db import session_scope


def run_scan() -> ScanReport:
    """One early-warning scan in its own session."""
    with session_scope() as session:
        return scan(session)
