"""The retention job, once a local day per process (idempotent: a second node finds nothing left to delete)."""

from __future__ import annotations

from datetime import date

from cityloop.governance.retention.service import Outcome, anonymise_expired
from cityloop.kit.clock import to_local, utcnow
from cityloop.kit.db import session_scope

_last_run: date | None = None


def run_retention() -> Outcome | None:
    """Run the retention job if it has not run today in this process."""
    global _last_run
    today = to_local(utcnow()).date()
    if _last_run == today:
        return None
    with session_scope() as session:
        outcome = anonymise_expired(session)
    _last_run = today
    return outcome
