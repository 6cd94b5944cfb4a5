"""FastAPI dependencies shared by routes: database session, language, paging."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Annotated

from fastapi import Depends, Query, Request
from sqlalchemy.orm import Session

from cityloop.kit.db import get_read_sessionmaker, get_sessionmaker


def db_session() -> Iterator[Session]:
    """One session per request, closed afterwards (services commit)."""
    session = get_sessionmaker()()
    try:
        yield session
    finally:
        session.close()


def read_session() -> Iterator[Session]:
    """A session on the read replica (the primary when none is set), for reads that may lag: never write with it."""
    session = get_read_sessionmaker()()
    try:
        yield session
    finally:
        session.close()


async def language(request: Request) -> str:
    """FastAPI dependency: the language of the request (see `language_of`)."""
    return language_of(request)


def language_of(request: Request) -> str:
    """`en` when asked for by query, cookie or Accept-Language; Chinese otherwise."""
    lang = request.query_params.get("lang") or request.cookies.get("lang") or ""
    if not lang and request.headers.get("accept-language", "").lower().startswith("en"):
        lang = "en"
    return "en" if lang == "en" else "zh"


class Page:
    """Offset paging with a bounded limit."""

    def __init__(self, offset: int = Query(0, ge=0, le=10_000_000),
                 limit: int = Query(50, ge=1, le=500)) -> None:
        self.offset = offset
        self.limit = limit


DbSession = Annotated[Session, Depends(db_session)]
ReadSession = Annotated[Session, Depends(read_session)]
Lang = Annotated[str, Depends(language)]
Paging = Annotated[Page, Depends(Page)]
