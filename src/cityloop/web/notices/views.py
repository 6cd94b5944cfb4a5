"""The inbox page, the bell's unread badge, and marking notices read."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request, Response
from fastapi.responses import HTMLResponse, RedirectResponse

from cityloop.accounts.notifications import service as notifications
from cityloop.accounts.notifications.routes import present
from cityloop.kit.auth import Subject
from cityloop.kit.db import MAX_ID
from cityloop.kit.deps import DbSession, Lang
from cityloop.web.pages import PageRoute, render
from cityloop.web.security import require

router = APIRouter(route_class=PageRoute, include_in_schema=False)
User = Annotated[Subject, Depends(require())]
PAGE = 50


@router.get("/notifications")
def inbox(request: Request, session: DbSession, subject: User, lang: Lang, unread: bool = False,
          offset: int = 0) -> Response:
    """The caller's notices, newest first."""
    offset = max(0, min(offset, 100_000))
    rows, total, unread_count = notifications.inbox(session, subject, unread, offset, PAGE)
    ctx = {"items": [present(n, lang) for n in rows], "total": total, "unread_count": unread_count,
           "unread_only": unread, "offset": offset, "page_size": PAGE}
    return render(request, "notices/index.html", ctx, subject)


@router.get("/notifications/badge")
def badge(session: DbSession, subject: User) -> Response:
    """The bell's unread count as a fragment (polled by htmx)."""
    count = notifications.unread(session, subject)
    text = "" if count == 0 else ("99+" if count > 99 else str(count))
    return HTMLResponse(f'<span class="badge" data-unread="{count}">{text}</span>' if text else "")


@router.post("/notifications/{notification_id}/open")
def open_notice(notification_id: int, session: DbSession, subject: User) -> Response:
    """Mark a notice read and go to its case (or back to the inbox)."""
    bounded = notification_id if 0 < notification_id <= MAX_ID else -1
    notifications.mark_read(session, subject, bounded)
    case_id = notifications.case_of(session, subject, bounded)
    return RedirectResponse(f"/cases/{case_id}" if case_id else "/notifications", status_code=303)


@router.post("/notifications/read-all")
def read_all(session: DbSession, subject: User) -> Response:
    """Mark every notice read."""
    notifications.mark_read(session, subject, None)
    return RedirectResponse("/notifications", status_code=303)
