"""Security headers on every response: CSP (no inline script), no framing, nosniff, same-origin referrers."""

from __future__ import annotations

from urllib.parse import urlsplit

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from cityloop.config import get_settings

# FastAPI's interactive API docs load Swagger UI / ReDoc from their CDN and start them with an inline script.
_DOCS_PATHS = ("/docs", "/redoc")
_DOCS_CDN = "https://cdn.jsdelivr.net"


def _origin(template: str) -> str:
    """The origin of a tile URL template as a CSP source; a `{s}` subdomain becomes a wildcard."""
    parts = urlsplit(template.replace("{s}", "subdomain-placeholder"))
    if parts.scheme not in {"http", "https"} or not parts.netloc:
        return ""
    host = parts.netloc.replace("subdomain-placeholder", "*")
    return f"{parts.scheme}://{host}"


def page_policy() -> str:
    """The Content-Security-Policy of the application (pages and API)."""
    s = get_settings()
    tiles = sorted({o for o in (_origin(s.tile_url), _origin(s.tile_label_url)) if o})
    images = " ".join(["'self'", "data:", "blob:", *tiles])
    # style-src-attr: templates colour badges with `style="--c: …"` attributes; <style> elements stay forbidden.
    return ("default-src 'self'; script-src 'self'; style-src 'self'; style-src-attr 'unsafe-inline'; "
            f"img-src {images}; connect-src 'self'; font-src 'self'; object-src 'none'; base-uri 'self'; "
            "form-action 'self'; frame-ancestors 'none'")


def docs_policy() -> str:
    """The looser policy of the API docs pages (their CDN scripts and inline start-up)."""
    return (f"default-src 'self'; script-src 'self' 'unsafe-inline' {_DOCS_CDN}; "
            f"style-src 'self' 'unsafe-inline' {_DOCS_CDN}; img-src 'self' data: https:; "
            "worker-src blob:; object-src 'none'; base-uri 'self'; frame-ancestors 'none'")


class SecurityHeaders:
    """ASGI middleware adding the headers to every HTTP response (a route's own value wins)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        self._page = page_policy()
        self._docs = docs_policy()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Pass the request on and decorate the response start."""
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        policy = self._docs if str(scope.get("path", "")).startswith(_DOCS_PATHS) else self._page
        fixed = [(b"content-security-policy", policy.encode()), (b"x-frame-options", b"DENY"),
                 (b"x-content-type-options", b"nosniff"), (b"referrer-policy", b"same-origin")]

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                present = {name.lower() for name, _ in headers}
                headers += [(name, value) for name, value in fixed if name not in present]
                message["headers"] = headers
            await send(message)

        await self.app(scope, receive, send_with_headers)
