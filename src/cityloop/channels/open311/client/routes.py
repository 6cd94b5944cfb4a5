"""Administrators configure a unit's Open311 system and watch its deliveries."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path, Query
from pydantic import BaseModel, Field

from cityloop.accounts.deps import CurrentSubject
from cityloop.channels.open311.client import service
from cityloop.kit.db import MAX_ID
from cityloop.kit.deps import DbSession
from cityloop.kit.errors import Forbidden, NotFound, ValidationFailed, error_responses

router = APIRouter(prefix="/api/v1/open311/client", tags=["open311 client"])


class EndpointIn(BaseModel):
    """Where a unit's cases go."""

    base_url: str = Field(max_length=300, description="The remote GeoReport v2 root, e.g. https://x.example/open311/v2")
    api_key: str = Field(max_length=200)
    jurisdiction_id: str = Field(default="", max_length=80)
    service_code: str = Field(default="", max_length=80, description="Empty: send the case's category code")
    active: bool = True


@router.put("/endpoints/{unit_id}", responses=error_responses(Forbidden, ValidationFailed))
def put_endpoint(unit_id: Annotated[int, Path(ge=1, le=MAX_ID)], body: EndpointIn, session: DbSession,
                 subject: CurrentSubject) -> dict[str, Any]:
    """Send this unit's cases to an external Open311 system from now on."""
    endpoint = service.configure(session, subject, unit_id, body.base_url, body.api_key, body.jurisdiction_id,
                                 body.service_code, body.active)
    session.commit()
    return {"id": endpoint.id, "unit_id": endpoint.unit_id, "base_url": endpoint.base_url,
            "active": endpoint.is_active}


@router.get("/deliveries", responses=error_responses(Forbidden))
def list_deliveries(session: DbSession, subject: CurrentSubject,
                    state: Annotated[str | None, Query(pattern="^(pending|sent|failed)$")] = None
                    ) -> list[dict[str, Any]]:
    """Deliveries, newest first; `state=failed` lists what needs an administrator."""
    return [{"id": d.id, "case_id": d.case_id, "state": d.state, "attempts": d.attempts,
             "last_error": d.last_error, "remote_id": d.remote_id, "remote_status": d.remote_status}
            for d in service.deliveries(session, subject, state)]


@router.post("/deliveries/{delivery_id}/retry", responses=error_responses(Forbidden, NotFound))
def retry_delivery(delivery_id: Annotated[int, Path(ge=1, le=MAX_ID)], session: DbSession,
                   subject: CurrentSubject) -> dict[str, Any]:
    """Queue a failed delivery again."""
    delivery = service.retry(session, subject, delivery_id)
    session.commit()
    return {"id": delivery.id, "state": delivery.state}
