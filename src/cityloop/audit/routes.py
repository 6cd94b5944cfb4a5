"""Audit log API: recent entries and chain verification (administrators)."""

from __future__ import annotations

from dataclasses import asdict
from typing import Annotated, Any

from fastapi import APIRouter, Query

from cityloop.accounts.deps import CurrentSubject
from cityloop.audit import service
from cityloop.kit.deps import DbSession
from cityloop.kit.errors import Forbidden, error_responses

router = APIRouter(prefix="/api/v1/audit", tags=["audit"])


@router.get("", responses=error_responses(Forbidden))
def recent(session: DbSession, subject: CurrentSubject,
           limit: Annotated[int, Query(ge=1, le=1000)] = 100) -> list[dict[str, Any]]:
    """Newest audit entries first."""
    return [{"id": e.id, "at": e.at, "actor": e.actor_name, "action": e.action, "object_type": e.object_type,
             "object_ids": e.object_ids, "detail": e.detail, "hash": e.hash}
            for e in service.recent(session, subject, limit)]


@router.get("/verify", responses=error_responses(Forbidden))
def verify(session: DbSession, subject: CurrentSubject) -> dict[str, Any]:
    """Recompute the hash chain; `ok` is false from the first altered or missing entry."""
    return asdict(service.verify(session, subject))
