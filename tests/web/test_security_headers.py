"""Security headers on pages and API answers; templates keep scripts in static files (the CSP forbids inline)."""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest
from fastapi.testclient import TestClient

from builders import World
from cityloop.config import get_settings
from cityloop.web.headers import page_policy
from cityloop.web.pages import HERE

EXPECTED = {"x-frame-options": "DENY", "x-content-type-options": "nosniff", "referrer-policy": "same-origin"}


def _directives(policy: str) -> dict[str, list[str]]:
    return {d.split()[0]: d.split()[1:] for d in policy.split(";") if d.strip()}


@pytest.mark.parametrize("url", ["/portal", "/login", "/dispatch", "/static/js/app.js", "/api/v1/health",
                                 "/api/v1/cases", "/api/v1/no-such-thing", "/portal?q=%00"])
def test_every_answer_carries_the_headers(world: World, client: TestClient, as_user: Callable[[str], TestClient],
                                          url: str) -> None:
    r = (as_user("dispatcher") if url == "/dispatch" else client).get(url)
    for name, value in EXPECTED.items():
        assert r.headers[name] == value
    csp = _directives(r.headers["content-security-policy"])
    assert csp["script-src"] == ["'self'"]
    assert csp["frame-ancestors"] == ["'none'"]
    assert "'unsafe-inline'" not in csp["style-src"]
    assert all("unsafe-eval" not in " ".join(v) for v in csp.values())


def test_the_api_docs_get_their_own_policy(client: TestClient) -> None:
    r = client.get("/docs")
    assert r.status_code == 200
    assert "cdn.jsdelivr.net" in r.headers["content-security-policy"]
    assert r.headers["x-frame-options"] == "DENY"


def test_an_external_tile_server_may_serve_images() -> None:
    get_settings().tile_url = "https://{s}.tiles.example.org/{z}/{x}/{y}.png"
    try:
        assert "https://*.tiles.example.org" in _directives(page_policy())["img-src"]
    finally:
        get_settings.cache_clear()


def test_templates_have_no_inline_scripts_or_handlers() -> None:
    inline_script = re.compile(r"<script(?![^>]*\bsrc=)[^>]*>", re.I)
    handler = re.compile(r"\son[a-z]+\s*=", re.I)
    texts = {p.relative_to(HERE): p.read_text(encoding="utf-8") for p in (HERE / "templates").rglob("*.html")}
    offenders = [str(path) for path, text in texts.items() if inline_script.search(text) or handler.search(text)]
    assert offenders == []
