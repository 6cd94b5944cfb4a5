"""Background jobs of the intelligence module (called from the SLA sweep loop and the job runner)."""

from __future__ import annotations

from cityloop.intel.alerts.service import ScanReport, scan
from cityloop.intel.registry import jobs
from cityloop.kit.db import session_scope


def run_scan() -> ScanReport:
    """One early-warning scan in its own session."""
    with session_scope() as session:
        return scan(session)


def run_training_jobs() -> list[int]:
    """Run the queued retraining jobs; return their ids."""
    return jobs.run_pending()
