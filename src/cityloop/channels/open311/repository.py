"""All SQL of the Open311 channel: the public cases and their history, through the cases scoping helper."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from cityloop.cases.models import Case, CaseEvent
from cityloop.cases.repository import scope_filter
from cityloop.cases.states import AppealType
from cityloop.kit.auth import SYSTEM

# Open311 reads are anonymous: cases without a service (category) cannot be shown, and 举报 (whistle-blowing)
# stays out of any public list to protect whoever reported it.
_PUBLIC = (Case.category_code.is_not(None), Case.appeal_type != AppealType.REPORT)


def requests_between(session: Session, start: datetime, end: datetime, service_codes: Sequence[str],
                     states: Sequence[str], limit: int) -> list[Case]:
    """Public cases received from `start` to `end` (both included), newest first."""
    stmt = scope_filter(select(Case), SYSTEM).where(*_PUBLIC, Case.received_at >= start, Case.received_at <= end)
    if service_codes:
        stmt = stmt.where(Case.category_code.in_(service_codes))
    if states:
        stmt = stmt.where(Case.state.in_(states))
    return list(session.scalars(stmt.order_by(Case.received_at.desc(), Case.id.desc()).limit(limit)))


def requests_by_ids(session: Session, case_ids: Sequence[int]) -> list[Case]:
    """Public cases with these ids, newest first."""
    stmt = scope_filter(select(Case), SYSTEM).where(*_PUBLIC, Case.id.in_(case_ids))
    return list(session.scalars(stmt.order_by(Case.received_at.desc(), Case.id.desc())))


def events_between(session: Session, start: datetime, end: datetime, limit: int) -> list[tuple[CaseEvent, Case]]:
    """Public history events of public cases from `start` to `end` (both included), oldest first, with their case."""
    stmt = scope_filter(select(CaseEvent, Case).join(Case, Case.id == CaseEvent.case_id), SYSTEM).where(*_PUBLIC)
    # The public tracking page's rule: system bookkeeping stays internal, except the automatic dispatch.
    stmt = stmt.where(CaseEvent.at >= start, CaseEvent.at <= end,
                      or_(CaseEvent.actor_kind != "system", CaseEvent.action == "auto_dispatch"))
    stmt = stmt.order_by(CaseEvent.at, CaseEvent.id).limit(limit)
    return [(event, case) for event, case in session.execute(stmt).tuples()]

