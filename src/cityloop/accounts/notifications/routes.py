"""Inbox API: one's own notices, unread first-class, mark read."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path

from cityloop.accounts.deps import CurrentSubject
from cityloop.accounts.notifications import service
from cityloop.accounts.notifications.models import Notification
from cityloop.accounts.notifications.schemas import MarkedOut, NotificationOut, NotificationPage
from cityloop.kit.db import MAX_ID
from cityloop.kit.deps import DbSession, Lang, Paging
from cityloop.kit.errors import NotFound, error_responses

router = APIRouter(prefix="/api/v1/notifications", tags=["notifications"])


@router.get("", response_model=NotificationPage, responses=error_responses(NotFound))
def list_notifications(session: DbSession, subject: CurrentSubject, lang: Lang, page: Paging,
                       unread: bool = False) -> NotificationPage:
    """The caller's notices, newest first (`unread=true` for unread ones only)."""
    rows, total, unread_count = service.inbox(session, subject, unread, page.offset, page.limit)
    return NotificationPage(items=[present(n, lang) for n in rows], total=total, unread=unread_count,
                            offset=page.offset, limit=page.limit)


@router.post("/read-all", response_model=MarkedOut, responses=error_responses(NotFound))
def read_all(session: DbSession, subject: CurrentSubject) -> MarkedOut:
    """Mark every notice of the caller read."""
    return MarkedOut(marked=service.mark_read(session, subject, None))


@router.post("/{notification_id}/read", response_model=MarkedOut, responses=error_responses(NotFound))
def read_one(notification_id: Annotated[int, Path(ge=1, le=MAX_ID)], session: DbSession,
             subject: CurrentSubject) -> MarkedOut:
    """Mark one of the caller's notices read."""
    return MarkedOut(marked=service.mark_read(session, subject, notification_id))


def present(n: Notification, lang: str) -> NotificationOut:
    """A notice in the caller's language."""
    text = n.text_en if lang == "en" and n.text_en else n.text
    return NotificationOut(id=n.id, kind=n.kind, case_id=n.case_id, text=text, sender=n.sender_name,
                           reply_by=n.reply_by, created_at=n.created_at, read=n.read_at is not None)
