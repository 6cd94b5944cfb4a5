"""The outbox run: send what is due, then read updates back (every minute inside `cityloop serve`)."""

from __future__ import annotations

import httpx
from sqlalchemy import select

from cityloop.channels.open311.client.models import Open311Endpoint
from cityloop.channels.open311.client.service import SendReport, pull_updates, send_due
from cityloop.kit.db import session_scope


def run_outbox(http: httpx.Client | None = None) -> SendReport | None:
    """One run; nothing at all when no unit has an external system."""
    with session_scope() as session:
        if session.scalar(select(Open311Endpoint.id).limit(1)) is None:
            return None
        with http or httpx.Client() as client:
            report = send_due(session, client)
            pull_updates(session, client)
        return report
