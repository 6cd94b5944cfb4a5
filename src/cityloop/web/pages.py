"""Page plumbing: templates, the page route class (CSRF, language cookie, error pages) and `render`."""

from __future__ import annotations

import logging
from collections.abc import Callable, Coroutine, Mapping
from datetime import datetime
from pathlib import Path
from typing import Any
from urllib.parse import quote

from fastapi import Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, RedirectResponse
from fastapi.routing import APIRoute
from fastapi.templating import Jinja2Templates

from cityloop.accounts.unit_types import unit_kind_label, unit_type_label
from cityloop.cases.states import APPEAL_META, CHANNEL_META, GRADE_META, SATISFACTION_META, STATE_META
from cityloop.kit.auth import ROLE_LABELS, Role, Subject
from cityloop.kit.clock import to_local
from cityloop.kit.deps import language_of
from cityloop.kit.errors import DomainError, ValidationFailed, error_headers
from cityloop.web import basemap, security

log = logging.getLogger("cityloop.web")
HERE = Path(__file__).resolve().parent
templates = Jinja2Templates(directory=str(HERE / "templates"))
templates.env.globals["basemap_tiles"] = basemap.tile_config

# Consoles in menu order: path, roles that may open it, zh, en.
CONSOLES: list[tuple[str, frozenset[Role], str, str]] = [
    ("/portal", frozenset({Role.CITIZEN}), "群众诉求", "Citizen portal"),
    ("/desk", frozenset({Role.AGENT}), "热线坐席", "Agent desk"),
    ("/dispatch", frozenset({Role.DISPATCHER}), "派单工作台", "Dispatch"),
    ("/inbox", frozenset({Role.HANDLER}), "承办待办", "Handler inbox"),
    ("/grid", frozenset({Role.GRID_WORKER}), "网格员", "Grid worker"),
    ("/services/desk", frozenset({Role.WINDOW}), "政务窗口", "Service desk"),
    ("/supervise", frozenset({Role.SUPERVISOR}), "督办", "Supervision"),
    ("/cockpit", frozenset({Role.LEADER, Role.SUPERVISOR}), "驾驶舱", "Cockpit"),
    ("/admin", frozenset({Role.ADMIN}), "系统管理", "Admin"),
    ("/my/policies", frozenset({Role.FIRM}), "可享政策", "My policies"),
]
# The page a user lands on after login, by their main (first listed) role.
HOME_OF_ROLE: dict[str, str] = {
    "citizen": "/portal", "agent": "/desk", "dispatcher": "/dispatch", "handler": "/inbox",
    "grid_worker": "/grid", "window": "/services/desk",
    "supervisor": "/supervise", "leader": "/cockpit", "admin": "/admin", "firm": "/my/policies",
}


def language(request: Request) -> str:
    """Page language: `?lang=`, then the `lang` cookie, then Accept-Language; Chinese by default."""
    return language_of(request)


def fmt_dt(value: datetime | None, pattern: str = "%Y-%m-%d %H:%M") -> str:
    """Local (Asia/Shanghai) time for display."""
    return to_local(value).strftime(pattern) if value else ""


def label(meta: Mapping[Any, tuple[str, ...]], key: Any, lang: str) -> str:
    """zh/en label of a declared enum value; unknown values show as they are."""
    pair = meta.get(key)
    if not pair:
        return str(key or "")
    return pair[1] if lang == "en" else pair[0]


def _consoles_for(subject: Subject | None) -> list[tuple[str, str, str]]:
    if subject is None:
        return []
    return [(path, zh, en) for path, roles, zh, en in CONSOLES if subject.has(*roles)]


def base_context(request: Request, subject: Subject | None = None) -> dict[str, Any]:
    """What every template gets: language helpers, labels, the subject, the CSRF token and the menu."""
    lang = language(request)

    def t(zh: str, en: str) -> str:
        return en if lang == "en" else zh

    return {
        "request": request, "lang": lang, "t": t, "subject": subject, "csrf": security.csrf_token(request),
        "consoles": _consoles_for(subject), "fmt_dt": fmt_dt, "path": request.url.path,
        "state_label": lambda s: label(STATE_META, s, lang),
        "state_colour": lambda s: STATE_META.get(s, ("", "", "#999"))[2],
        "channel_label": lambda c: label(CHANNEL_META, c, lang),
        "appeal_label": lambda a: label(APPEAL_META, a, lang),
        "grade_label": lambda g: label(GRADE_META, g, lang),
        "satisfaction_label": lambda s: label(SATISFACTION_META, s, lang),
        "role_label": lambda r: label(ROLE_LABELS, Role(r), lang) if r in set(Role) else r,
        "unit_type_label": lambda c: unit_type_label(c, lang), "unit_kind_label": lambda c: unit_kind_label(c, lang),
        "STATE_META": STATE_META, "CHANNEL_META": CHANNEL_META, "APPEAL_META": APPEAL_META,
        "SATISFACTION_META": SATISFACTION_META,
    }


def is_htmx(request: Request) -> bool:
    """True for requests made by htmx (they get fragments, not whole pages)."""
    return request.headers.get("hx-request") == "true"


def render(request: Request, template: str, context: Mapping[str, Any] | None = None,
           subject: Subject | None = None, status_code: int = 200) -> HTMLResponse:
    """Render a template with the base context."""
    ctx = base_context(request, subject)
    ctx.update(context or {})
    return templates.TemplateResponse(request, template, ctx, status_code=status_code)


def field_errors(exc: ValidationFailed, lang: str) -> dict[str, str]:
    """Field → message in the page language, for errors shown next to fields."""
    return {name: (en if lang == "en" else zh) for name, (zh, en) in exc.fields.items()}


def _error_page(request: Request, exc: DomainError) -> Response:
    lang = language(request)
    template = "_error_fragment.html" if is_htmx(request) else "error.html"
    ctx = {"status": exc.status, "message": exc.en if lang == "en" else exc.zh, "code": exc.code}
    if isinstance(exc, ValidationFailed):
        ctx["fields"] = field_errors(exc, lang)
    response = render(request, template, ctx, getattr(request.state, "subject", None), exc.status)
    response.headers.update(error_headers(exc) or {})
    if is_htmx(request):
        # htmx ignores 4xx bodies by default; show the message where the form asked for it.
        response.status_code = 200
        response.headers["HX-Reswap"] = "innerHTML"
        response.headers["HX-Retarget"] = "#flash"
    return response


def _login_redirect(request: Request) -> Response:
    target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    url = "/login?next=" + quote(target, safe="")
    if is_htmx(request):
        return Response(status_code=204, headers={"HX-Redirect": url})
    return RedirectResponse(url, status_code=303)


class PageRoute(APIRoute):
    """Route class of every page: CSRF check on writes, `?lang=` cookie, HTML errors and login redirects."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        """Wrap FastAPI's handler with the page concerns."""
        original = super().get_route_handler()

        async def handler(request: Request) -> Response:
            new_token = security.prepare_csrf(request)
            try:
                if request.method not in {"GET", "HEAD", "OPTIONS"}:
                    await security.check_csrf(request)
                response = await original(request)
            except security.LoginRequired:
                response = _login_redirect(request)
            except DomainError as exc:
                response = _error_page(request, exc)
            except RequestValidationError as exc:
                log.info("malformed page request %s: %s", request.url.path, exc.errors())
                response = _error_page(request, ValidationFailed(
                    {"form": ("表单内容不完整或格式不正确", "The form is incomplete or malformed")}))
            security.finish(request, response, new_token)
            return response

        return handler


# Paths whose clients are programs: their errors stay JSON whatever the Accept header says.
_MACHINE_PREFIXES = ("/api/", "/open311/", "/files/", "/static/")
_STATUS_TEXT = {
    404: ("页面不存在，请检查地址或从首页进入", "This page does not exist; check the address or start at home"),
    405: ("不支持这种访问方式", "This page cannot be opened this way"),
    500: ("服务器出错了，请稍后再试；问题已记录", "A server error; it has been logged, try again later"),
}


def wants_html(request: Request) -> bool:
    """True for a browser asking for a page (not the API, not a program that did not ask for HTML)."""
    accept = request.headers.get("accept", "")
    return "text/html" in accept and not request.url.path.startswith(_MACHINE_PREFIXES)


def status_page(request: Request, status: int) -> HTMLResponse:
    """The HTML page for an error outside the pages' own handling (unknown path, server error)."""
    zh, en = _STATUS_TEXT.get(status, ("请求无法完成", "The request could not be completed"))
    lang = language(request)
    ctx = {"status": status, "message": en if lang == "en" else zh, "code": str(status)}
    return render(request, "error.html", ctx, getattr(request.state, "subject", None), status)
