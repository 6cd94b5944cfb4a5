"""Authentication dependencies: bearer token, API key or session cookie → Subject."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import APIKeyHeader, OAuth2PasswordBearer

from cityloop.accounts import service
from cityloop.kit import csrf
from cityloop.kit.auth import Subject
from cityloop.kit.deps import DbSession
from cityloop.kit.errors import Forbidden, Unauthorized

oauth2 = OAuth2PasswordBearer(tokenUrl="/api/v1/auth/token", auto_error=False)
api_key_header = APIKeyHeader(name="X-API-Key", auto_error=False)
SESSION_COOKIE = "cityloop_session"
_SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def optional_subject(request: Request, session: DbSession, token: Annotated[str | None, Depends(oauth2)],
                     api_key: Annotated[str | None, Depends(api_key_header)]) -> Subject | None:
    """The caller if any credential was presented (invalid credentials are an error, not anonymity)."""
    if token:
        return service.subject_from_token(session, token)
    if api_key:
        return service.subject_from_api_key(session, api_key)
    cookie = request.cookies.get(SESSION_COOKIE)
    if cookie:
        # A browser sends the cookie on cross-site requests too; a write must prove it comes from our pages.
        if request.method not in _SAFE_METHODS and not csrf.matches(request.cookies.get(csrf.COOKIE),
                                                                    request.headers.get(csrf.HEADER)):
            raise Forbidden("请求缺少有效的CSRF令牌（X-CSRF-Token）",
                            "A write with the session cookie needs the CSRF token in X-CSRF-Token")
        return service.subject_from_token(session, cookie)
    return None


async def current_subject(subject: Annotated[Subject | None, Depends(optional_subject)]) -> Subject:
    """The authenticated caller; 401 otherwise."""
    if subject is None:
        raise Unauthorized("请先登录", "Authentication required")
    return subject


CurrentSubject = Annotated[Subject, Depends(current_subject)]
OptionalSubject = Annotated[Subject | None, Depends(optional_subject)]
