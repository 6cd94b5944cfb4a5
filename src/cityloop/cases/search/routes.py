"""Global search API."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from cityloop.accounts.deps import CurrentSubject
from cityloop.cases.search import service
from cityloop.cases.search.schemas import SearchOut
from cityloop.kit.deps import DbSession, Lang

router = APIRouter(prefix="/api/v1/search", tags=["cases"])


@router.get("", response_model=SearchOut)
def search(session: DbSession, subject: CurrentSubject, lang: Lang,
           q: Annotated[str, Query(min_length=1, max_length=100, description="Case number, tracking code, phone "
                                   "(roles that may see phones) or words")],
           limit: Annotated[int, Query(ge=1, le=100)] = 20) -> SearchOut:
    """Cases in the caller's area matching `q`, best first."""
    return service.search(session, subject, q, limit, lang)
