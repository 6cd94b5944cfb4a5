"""Behind a trusted TLS proxy: cookies get Secure, and the visitor's address is the one rate limits count."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner
from uvicorn.middleware.proxy_headers import ProxyHeadersMiddleware
from web_helpers import csrf, web_app

from builders import PASSWORD, World
from cityloop.cli import app
from cityloop.config import get_settings


def _login(c: TestClient, **headers: str) -> str:
    r = c.post("/login", data={"username": "agent", "password": PASSWORD, "csrf_token": csrf(c)},
               headers=headers, follow_redirects=False)
    assert r.status_code == 303
    return ";".join(r.headers.get_list("set-cookie"))


def test_cookies_are_secure_when_the_proxy_says_https(world: World) -> None:
    with TestClient(ProxyHeadersMiddleware(web_app(), trusted_hosts="*")) as c:
        assert "secure" not in _login(c).lower()
        assert "secure" in _login(c, **{"X-Forwarded-Proto": "https"}).lower()


def test_cookies_are_secure_when_the_public_address_is_https(world: World) -> None:
    with TestClient(web_app()) as c:
        assert "secure" not in c.get("/login").headers["set-cookie"].lower()
    get_settings().public_url = "https://cityloop.example.gov.cn"
    with TestClient(web_app()) as c:
        assert "secure" in c.get("/login").headers["set-cookie"].lower()


def test_visitors_behind_the_proxy_are_counted_apart(world: World) -> None:
    get_settings().rate_track_per_address = 1
    url = "/api/v1/track?number=2025010100000001&code=ABCDEFG"
    with TestClient(ProxyHeadersMiddleware(web_app(), trusted_hosts="*")) as c:
        assert c.get(url, headers={"X-Forwarded-For": "203.0.113.7"}).status_code == 404
        assert c.get(url, headers={"X-Forwarded-For": "203.0.113.8"}).status_code == 404
        assert c.get(url, headers={"X-Forwarded-For": "203.0.113.7"}).status_code == 429


@pytest.mark.parametrize(("proxies", "expected"), [("10.0.0.2,10.0.0.3", (True, "10.0.0.2,10.0.0.3")),
                                                    ("", (False, None))])
def test_serve_hands_the_trusted_proxies_to_uvicorn(monkeypatch: pytest.MonkeyPatch, proxies: str,
                                                    expected: tuple[bool, str | None]) -> None:
    import uvicorn

    seen: dict[str, Any] = {}
    monkeypatch.setattr(uvicorn, "run", lambda *_a, **kw: seen.update(kw))
    monkeypatch.setenv("CITYLOOP_TRUSTED_PROXIES", proxies)
    get_settings.cache_clear()
    try:
        assert CliRunner().invoke(app, ["serve"]).exit_code == 0
    finally:
        get_settings.cache_clear()
    assert (seen["proxy_headers"], seen["forwarded_allow_ips"]) == expected
    assert seen["log_config"]["loggers"]["cityloop"]["level"] == "INFO"
