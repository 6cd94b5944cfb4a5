"""可享政策: a firm's or citizen's own policies with reasons, and their 政策找人 notices."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request, Response
from fastapi.responses import HTMLResponse, RedirectResponse

from cityloop.kit.auth import PUBLIC_ROLES, Role, Subject
from cityloop.kit.db import MAX_ID
from cityloop.kit.deps import DbSession, Lang
from cityloop.policy.notices import service as notices
from cityloop.policy.portal import service as portal
from cityloop.policy.portal.routes import present
from cityloop.web.pages import PageRoute, render
from cityloop.web.security import require

router = APIRouter(route_class=PageRoute, include_in_schema=False)
Public = Annotated[Subject, Depends(require(Role.FIRM, Role.CITIZEN))]


@router.get("/my/policies")
def mine(request: Request, session: DbSession, subject: Public, lang: Lang) -> Response:
    """Eligible policies with the reasons, near-misses with what is missing, and the notices."""
    if not subject.roles & PUBLIC_ROLES:
        # Administrators hold every role and so reach the menu entry; they have no policies of their own.
        return render(request, "policy/mine.html", {"mine": portal.Mine(linked=False), "notices": [],
                                                    "staff": True}, subject)
    ctx = {"mine": portal.mine(session, subject, lang),
           "notices": [present(n, lang) for n in notices.inbox(session, subject).notices]}
    return render(request, "policy/mine.html", ctx, subject)


@router.get("/my/policies/badge")
def badge(session: DbSession, subject: Public) -> Response:
    """The unread count of the caller's policy notices as a fragment (the portal's link polls it)."""
    count = notices.unread(session, subject)
    return HTMLResponse(f'<span class="badge" data-unread="{count}">{count}</span>' if count else "")


@router.post("/my/policies/notices/{notice_id}/read")
def read(notice_id: int, session: DbSession, subject: Public) -> Response:
    """Mark one notice read."""
    notices.mark_read(session, subject, notice_id if 0 < notice_id <= MAX_ID else -1)
    return RedirectResponse("/my/policies#notices", status_code=303)


@router.post("/my/policies/notices/read-all")
def read_all(session: DbSession, subject: Public) -> Response:
    """Mark every notice read."""
    notices.mark_read(session, subject, None)
    return RedirectResponse("/my/policies#notices", status_code=303)
