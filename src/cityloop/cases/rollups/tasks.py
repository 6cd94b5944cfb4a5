"""The rollups' catch-up as a job (the app's loop; on PostgreSQL an advisory lock lets one node at a time run it)."""

from __future__ import annotations

from cityloop.cases.rollups.service import RefreshReport, refresh
from cityloop.kit.db import session_scope


def run_refresh() -> RefreshReport:
    """One catch-up in its own transaction: killed half-way, it leaves the old rollups and the old watermark."""
    with session_scope() as session:
        report = refresh(session)
        session.commit()
        return report
