"""Notify API: templates (administrators), the outbox and its delivery log, opt-outs."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Path

from cityloop.accounts.deps import CurrentSubject
from cityloop.channels.notify import service, templates
from cityloop.channels.notify.schemas import DeliveryOut, DeliveryPage, OptOutIn, OptOutOut, TemplateIn, TemplateOut
from cityloop.kit.db import MAX_ID
from cityloop.kit.deps import DbSession, Paging
from cityloop.kit.errors import Forbidden, NotFound, error_responses

router = APIRouter(prefix="/api/v1/notify", tags=["notify"])


@router.get("/templates", response_model=list[TemplateOut], responses=error_responses(Forbidden))
def list_templates(session: DbSession, subject: CurrentSubject) -> list[TemplateOut]:
    """Every notice template in force, per event kind and language, with the placeholders it may use."""
    return [TemplateOut(**t) for t in templates.listing(session, subject)]


@router.put("/templates", response_model=TemplateOut, responses=error_responses(Forbidden, NotFound))
def put_template(body: TemplateIn, session: DbSession, subject: CurrentSubject) -> TemplateOut:
    """Replace the text of one kind and language; unknown placeholders are refused field by field (zh/en)."""
    return TemplateOut(**templates.update(session, subject, body.kind, body.lang, body.text))


@router.get("/deliveries", response_model=DeliveryPage, responses=error_responses(Forbidden))
def list_deliveries(session: DbSession, subject: CurrentSubject, page: Paging,
                    status: Literal["pending", "sent", "failed", "skipped"] | None = None,
                    channel: Literal["sms", "inbox", "webhook"] | None = None) -> DeliveryPage:
    """Outbox messages about cases in the caller's area with their delivery log (`status=failed` for failures)."""
    items, total = service.deliveries(session, subject, status, channel, page.offset, page.limit)
    return DeliveryPage(items=items, total=total, offset=page.offset, limit=page.limit)


@router.get("/deliveries/{message_id}", response_model=DeliveryOut, responses=error_responses(Forbidden, NotFound))
def get_delivery(message_id: Annotated[int, Path(ge=1, le=MAX_ID)], session: DbSession,
                 subject: CurrentSubject) -> DeliveryOut:
    """One outbox message with every delivery attempt."""
    return service.delivery(session, subject, message_id)


@router.post("/opt-outs", status_code=201, response_model=OptOutOut, responses=error_responses(Forbidden))
def opt_out(body: OptOutIn, session: DbSession, subject: CurrentSubject) -> OptOutOut:
    """Stop SMS: to a phone number (agents, dispatchers, for a caller) or, without one, to the caller's account."""
    return service.opt_out(session, subject, body.phone)


