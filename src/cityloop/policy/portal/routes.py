"""可享政策 API for firms and citizens: their policies, their notices."""

from __future__ import annotations

from dataclasses import asdict
from typing import Annotated

from fastapi import APIRouter, Path

from cityloop.accounts.deps import CurrentSubject
from cityloop.kit.db import MAX_ID
from cityloop.kit.deps import DbSession, Lang
from cityloop.kit.errors import Forbidden, NotFound, error_responses
from cityloop.policy.notices import service as notices
from cityloop.policy.notices.models import PolicyNotice
from cityloop.policy.portal import service
from cityloop.policy.portal.schemas import MarkedOut, MineOut, NoticeOut, NoticesOut

router = APIRouter(prefix="/api/v1/policy", tags=["policy"])


@router.get("/mine", response_model=MineOut, responses=error_responses(Forbidden))
def mine(session: DbSession, subject: CurrentSubject, lang: Lang) -> MineOut:
    """The caller's eligible policies with reasons, and near-misses with what they would need (firms, citizens)."""
    return MineOut.model_validate(asdict(service.mine(session, subject, lang)))


@router.get("/notices", response_model=NoticesOut, responses=error_responses(Forbidden))
def list_notices(session: DbSession, subject: CurrentSubject, lang: Lang) -> NoticesOut:
    """The caller's 政策找人 notices (站内信), newest first."""
    box = notices.inbox(session, subject)
    return NoticesOut(items=[present(n, lang) for n in box.notices], unread=box.unread)


@router.post("/notices/read-all", response_model=MarkedOut, responses=error_responses(Forbidden, NotFound))
def read_all(session: DbSession, subject: CurrentSubject) -> MarkedOut:
    """Mark every notice of the caller read."""
    return MarkedOut(marked=notices.mark_read(session, subject, None))


@router.post("/notices/{notice_id}/read", response_model=MarkedOut, responses=error_responses(Forbidden, NotFound))
def read_one(notice_id: Annotated[int, Path(ge=1, le=MAX_ID)], session: DbSession,
             subject: CurrentSubject) -> MarkedOut:
    """Mark one of the caller's notices read."""
    return MarkedOut(marked=notices.mark_read(session, subject, notice_id))


def present(n: PolicyNotice, lang: str) -> NoticeOut:
    """A notice in the caller's language."""
    return NoticeOut(id=n.id, policy_id=n.policy_id, status=n.status, text=n.text_en if lang == "en" and n.text_en
                     else n.text, notified_at=n.notified_at, read=n.read_at is not None)
