"""The search results page: one box for a case number, tracking code, phone or words."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request, Response
from fastapi.responses import RedirectResponse

from cityloop.cases.search import service as search_service
from cityloop.kit.auth import Role, Subject
from cityloop.kit.deps import DbSession, Lang
from cityloop.web.pages import PageRoute, render
from cityloop.web.security import require

router = APIRouter(route_class=PageRoute, include_in_schema=False)
STAFF = (Role.AGENT, Role.DISPATCHER, Role.HANDLER, Role.GRID_WORKER, Role.SUPERVISOR, Role.LEADER)
Staff = Annotated[Subject, Depends(require(*STAFF))]


@router.get("/search")
def search_page(request: Request, session: DbSession, subject: Staff, lang: Lang, q: str = "") -> Response:
    """Matches in the caller's area; a case number that matches goes straight to the case."""
    result = search_service.search(session, subject, q[:100], 50, lang)
    if result.matched_by[:1] == ["number"]:
        return RedirectResponse(f"/cases/{result.items[0].id}", status_code=303)
    rows = list(zip(result.items, result.matched_by, strict=True))
    return render(request, "search/index.html", {"q": result.q, "rows": rows}, subject)
