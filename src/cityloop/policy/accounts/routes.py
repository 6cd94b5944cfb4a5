"""Policy account links API (administrators)."""

from __future__ import annotations

from dataclasses import asdict
from typing import Annotated, Literal

from fastapi import APIRouter, Query

from cityloop.accounts.deps import CurrentSubject
from cityloop.kit.deps import DbSession
from cityloop.kit.errors import Forbidden, NotFound, error_responses
from cityloop.policy.accounts import service
from cityloop.policy.accounts.schemas import LinkIn, LinkOut

router = APIRouter(prefix="/api/v1/policy/links", tags=["policy"])


@router.post("", response_model=LinkOut, responses=error_responses(Forbidden, NotFound))
def link(body: LinkIn, session: DbSession, subject: CurrentSubject) -> LinkOut:
    """Tie a firm (法人账号) to its enterprise or a citizen to a person subject, replacing any earlier link."""
    view = service.link_user(session, subject, body.user_id, body.subject_kind, body.subject_id, body.phone)
    return LinkOut(**asdict(view))


@router.get("", response_model=list[LinkOut], responses=error_responses(Forbidden))
def links(session: DbSession, subject: CurrentSubject,
          subject_kind: Literal["enterprise", "person"] | None = None,
          subject_id: Annotated[str | None, Query(max_length=40)] = None) -> list[LinkOut]:
    """Every link (or those of one subject)."""
    return [LinkOut(**asdict(v)) for v in service.links(session, subject, subject_kind, subject_id)]
