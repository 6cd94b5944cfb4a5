"""Session cookie, CSRF tokens (signed double-submit) and the page subject."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated

from fastapi import Depends, Request, Response

from cityloop.accounts import service as accounts
from cityloop.accounts.deps import SESSION_COOKIE
from cityloop.config import get_settings
from cityloop.kit import csrf
from cityloop.kit.auth import Role, Subject
from cityloop.kit.deps import DbSession
from cityloop.kit.errors import Forbidden, Unauthorized

CSRF_COOKIE = csrf.COOKIE
CSRF_FIELD = csrf.FIELD
CSRF_HEADER = csrf.HEADER
LANG_COOKIE = "lang"
_YEAR = 365 * 24 * 3600


def prepare_csrf(request: Request) -> bool:
    """Put the request's CSRF token on `request.state`; True when a new one must be set as a cookie."""
    token = request.cookies.get(CSRF_COOKIE)
    if csrf.valid(token):
        request.state.csrf = token
        return False
    request.state.csrf = csrf.new_token()
    return True


def csrf_token(request: Request) -> str:
    """The token forms and htmx send back."""
    return str(getattr(request.state, "csrf", ""))


async def check_csrf(request: Request) -> None:
    """Reject a write whose form field or header does not match the signed cookie."""
    cookie = request.cookies.get(CSRF_COOKIE)
    sent = request.headers.get(CSRF_HEADER)
    if not sent and "form" in request.headers.get("content-type", ""):
        sent = str((await request.form()).get(CSRF_FIELD) or "")
    if not csrf.matches(cookie, sent):
        raise Forbidden("页面已过期或请求来源不可信，请刷新后重试",
                        "The page expired or the request was not sent by CityLoop; reload and try again")


def safe_path(target: str | None) -> str | None:
    """`target` if it is a path on this site; "//host" or "/\\host" would leave it (open redirect)."""
    if target and target.startswith("/") and not target.startswith(("//", "/\\")):
        return target
    return None


def _secure(request: Request) -> bool:
    # https as seen through a trusted proxy (uvicorn applies X-Forwarded-Proto), or a public https address.
    return request.url.scheme == "https" or get_settings().public_url.startswith("https://")


def finish(request: Request, response: Response, new_csrf: bool) -> None:
    """Set the cookies a page response needs (CSRF token, chosen language)."""
    if new_csrf:
        response.set_cookie(CSRF_COOKIE, csrf_token(request), max_age=_YEAR, httponly=True, samesite="lax",
                            secure=_secure(request))
    lang = request.query_params.get("lang")
    if lang in {"zh", "en"}:
        response.set_cookie(LANG_COOKIE, lang, max_age=_YEAR, samesite="lax", secure=_secure(request))


def start_session(request: Request, response: Response, token: str) -> None:
    """Log the browser in: the session cookie holds the same JWT the API accepts."""
    response.set_cookie(SESSION_COOKIE, token, max_age=get_settings().token_minutes * 60, httponly=True,
                        samesite="lax", secure=_secure(request))


def end_session(response: Response) -> None:
    """Log the browser out."""
    response.delete_cookie(SESSION_COOKIE)


class LoginRequired(Exception):
    """Raised by page dependencies when nobody is logged in."""


def page_subject(request: Request, session: DbSession) -> Subject | None:
    """The logged-in subject of a page request; an expired or invalid cookie counts as logged out."""
    subject: Subject | None = None
    cookie = request.cookies.get(SESSION_COOKIE)
    if cookie:
        try:
            subject = accounts.subject_from_token(session, cookie)
        except Unauthorized:
            subject = None
    # Error pages rendered by the route class show the menu of whoever is logged in.
    request.state.subject = subject
    return subject


def require(*roles: Role) -> Callable[..., Subject]:
    """Dependency: a logged-in subject holding one of `roles` (admin holds all); 403 page otherwise."""

    def dependency(subject: Annotated[Subject | None, Depends(page_subject)]) -> Subject:
        if subject is None:
            raise LoginRequired
        if roles and not subject.has(*roles):
            raise Forbidden("您没有访问此页面的权限", "You do not have access to this page")
        return subject

    return dependency


MaybeUser = Annotated[Subject | None, Depends(page_subject)]
