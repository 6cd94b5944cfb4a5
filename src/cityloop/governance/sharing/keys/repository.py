"""All SQL over sharing keys and their usage."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Select, case, func, select
from sqlalchemy.orm import Session

from cityloop.governance.sharing.keys.models import ShareKey, ShareUsage
from cityloop.governance.sharing.requests.models import ShareRequest
from cityloop.governance.sharing.resources.models import ShareResource


def for_request(session: Session, request_id: int) -> ShareKey | None:
    """The key issued for a request, if any."""
    return session.scalar(select(ShareKey).where(ShareKey.request_id == request_id))


def by_prefix(session: Session, prefix: str) -> tuple[ShareKey, ShareRequest, ShareResource] | None:
    """A key with its request and resource, read fresh (a revocation committed elsewhere counts at once)."""
    stmt = (select(ShareKey, ShareRequest, ShareResource)
            .join(ShareRequest, ShareRequest.id == ShareKey.request_id)
            .join(ShareResource, ShareResource.id == ShareRequest.resource_id)
            .where(ShareKey.prefix == prefix).execution_options(populate_existing=True))
    row = session.execute(stmt).tuples().first()
    return (row[0], row[1], row[2]) if row else None


def log_call(session: Session, key: ShareKey, request: ShareRequest, rows: int, status: int,
             at: datetime) -> None:
    """Append one call to the usage log."""
    session.add(ShareUsage(key_id=key.id, request_id=request.id, consumer_unit_id=request.consumer_unit_id,
                           resource_id=request.resource_id, rows=rows, status=status, at=at))


def usage_by(session: Session, column: str, owner_unit_id: int | None) -> list[dict[str, Any]]:
    """Calls, answered calls, rows and the last call per consumer unit or per resource (of one owner, if given)."""
    group = ShareUsage.consumer_unit_id if column == "consumer" else ShareUsage.resource_id
    stmt: Select[Any] = select(group.label("id"), func.count().label("calls"),
                               func.sum(case((ShareUsage.status == 200, 1), else_=0)).label("ok"),
                               func.coalesce(func.sum(ShareUsage.rows), 0).label("rows"),
                               func.max(ShareUsage.at).label("last_at")).group_by(group).order_by(group)
    if owner_unit_id is not None:
        owned = select(ShareResource.id).where(ShareResource.owner_unit_id == owner_unit_id)
        stmt = stmt.where(ShareUsage.resource_id.in_(owned))
    return [dict(row._mapping) for row in session.execute(stmt)]
