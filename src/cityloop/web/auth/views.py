"""Login, logout, the landing redirect, static files and uploaded attachments."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Query, Request, Response
from fastapi.responses import RedirectResponse
from fastapi.staticfiles import StaticFiles

from cityloop.accounts import service as accounts
from cityloop.cases import service as cases
from cityloop.kit.auth import Role
from cityloop.kit.deps import DbSession
from cityloop.kit.errors import TooManyRequests, Unauthorized, error_headers
from cityloop.web import security, uploads
from cityloop.web.pages import HERE, HOME_OF_ROLE, PageRoute, language, render
from cityloop.web.security import MaybeUser

router = APIRouter(route_class=PageRoute, include_in_schema=False)
_static = StaticFiles(directory=str(HERE / "static"), check_dir=False)


def home_of(roles: list[str]) -> str:
    """The page of a user's main (first listed) role."""
    for role in roles:
        if role in HOME_OF_ROLE:
            return HOME_OF_ROLE[role]
    return "/portal"


@router.get("/")
def index(subject: MaybeUser) -> Response:
    """Send visitors to the portal and staff to their console."""
    if subject is None:
        return RedirectResponse("/portal", status_code=303)
    # Subjects carry roles as a set, so pick the most senior console for a user with several roles.
    ranked = [r for r in _SENIORITY if r in subject.roles]
    return RedirectResponse(HOME_OF_ROLE[ranked[0]] if ranked else "/portal", status_code=303)


_SENIORITY = [Role.ADMIN, Role.LEADER, Role.SUPERVISOR, Role.DISPATCHER, Role.AGENT, Role.HANDLER,
              Role.GRID_WORKER, Role.WINDOW, Role.FIRM, Role.CITIZEN]


@router.get("/login")
def login_page(request: Request, subject: MaybeUser,
               target: Annotated[str | None, Query(alias="next", max_length=2000)] = None) -> Response:
    """The login form."""
    ctx = {"next": security.safe_path(target) or "", "errors": {}, "username": ""}
    return render(request, "login.html", ctx, subject)


@router.post("/login")
def login(request: Request, session: DbSession, username: Annotated[str, Form(max_length=80)] = "",
          password: Annotated[str, Form(max_length=200)] = "",
          target: Annotated[str, Form(alias="next", max_length=2000)] = "") -> Response:
    """Check the password, set the session cookie and go to the user's console (or `next`)."""
    lang = language(request)
    errors: dict[str, str] = {}
    if not username.strip():
        errors["username"] = "Enter your username" if lang == "en" else "请输入用户名"
    if not password:
        errors["password"] = "Enter your password" if lang == "en" else "请输入密码"
    if not errors:
        try:
            address = request.client.host if request.client else ""
            user = accounts.authenticate(session, username.strip(), password, address)
        except TooManyRequests as exc:
            ctx = {"next": security.safe_path(target) or "", "username": username,
                   "errors": {"password": exc.en if lang == "en" else exc.zh}}
            throttled = render(request, "login.html", ctx, None, status_code=429)
            throttled.headers.update(error_headers(exc) or {})
            return throttled
        except Unauthorized as exc:
            errors["password"] = exc.en if lang == "en" else exc.zh
        else:
            response = RedirectResponse(security.safe_path(target) or home_of(list(user.roles)), status_code=303)
            security.start_session(request, response, accounts.issue_token(user))
            return response
    ctx = {"next": security.safe_path(target) or "", "errors": errors, "username": username}
    return render(request, "login.html", ctx, None, status_code=400)


@router.post("/logout")
def logout() -> Response:
    """Forget the session cookie."""
    response = RedirectResponse("/login", status_code=303)
    security.end_session(response)
    return response


@router.get("/static/{path:path}")
async def static(path: str, request: Request) -> Response:
    """Stylesheet, scripts and the vendored libraries (copied from npm by scripts/build_static.py)."""
    return await _static.get_response(path, request.scope)


@router.get("/files/{name}")
def attachment(name: str, session: DbSession, subject: MaybeUser) -> Response:
    """An uploaded photo; staff who may see its case only, since photos may show people or homes."""
    if subject is None:
        raise security.LoginRequired
    cases.check_file_access(session, subject, name)
    return uploads.file_response(name)
