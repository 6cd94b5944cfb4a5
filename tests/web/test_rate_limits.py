"""Per-address limits on portal filing, public tracking and logins: 429 with Retry-After, both backends."""

from __future__ import annotations

import logging
import uuid

import pytest
import redis
from fastapi.testclient import TestClient
from web_helpers import csrf, post, web_app

from builders import PASSWORD, STREET, World
from cityloop.config import get_settings
from cityloop.kit import ratelimit

FORM = {"appeal_type": "complain", "title": "楼下餐馆油烟扰民", "content": "每天晚上油烟很大，窗户都不能开。",
        "address": "北山街道某小区3幢", "division_code": STREET, "phone": "13900001111"}


@pytest.fixture(params=["memory", "redis"])
def backend(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    """Run a test with the in-process limiter and with one on the local Redis (own key prefix)."""
    if request.param == "redis":
        client = redis.Redis.from_url("redis://127.0.0.1:6379/0")
        try:
            client.ping()
        except redis.ConnectionError:
            pytest.skip("no Redis at 127.0.0.1:6379")
        limiter = ratelimit.RedisLimiter(client, prefix=f"test:{uuid.uuid4().hex}:")
        monkeypatch.setattr(ratelimit, "get_limiter", lambda: limiter)
    return str(request.param)


def _retry_after(r: object) -> int:
    return int(r.headers["retry-after"])  # type: ignore[attr-defined]


def test_portal_filing_is_limited_per_address(world: World, client: TestClient, backend: str) -> None:
    get_settings().rate_intake_per_address = 2
    for n in range(2):
        assert post(client, "/portal", {**FORM, "nonce": f"n{n}"}).status_code == 200
    r = post(client, "/portal", {**FORM, "nonce": "n3"})
    assert r.status_code == 429
    assert 0 < _retry_after(r) <= get_settings().rate_intake_window_seconds
    assert "请求过于频繁" in r.text


def test_public_tracking_is_limited_per_address(world: World, client: TestClient, backend: str) -> None:
    get_settings().rate_track_per_address = 3
    for _ in range(2):
        assert client.get("/api/v1/track?number=2025010100000001&code=ABCDEFG").status_code == 404
    assert client.get("/portal/track?number=2025010100000001&code=ABCDEFG").status_code in {200, 404}
    r = client.get("/api/v1/track?number=2025010100000001&code=ABCDEFG")
    assert (r.status_code, r.json()["error"]) == (429, "too_many_requests")
    assert 0 < _retry_after(r) <= get_settings().rate_track_window_seconds
    assert client.get("/portal/track?number=2025010100000001&code=ABCDEFG").status_code == 429


def test_one_try_on_each_of_many_users_is_limited(world: World, client: TestClient, backend: str) -> None:
    get_settings().login_address_max_failures = 3
    for name in ("agent", "dispatcher", "handler"):
        assert client.post("/api/v1/auth/token", data={"username": name, "password": "wrong-pass-1"}).status_code == 401
    r = client.post("/api/v1/auth/token", data={"username": "leader", "password": PASSWORD})
    assert r.status_code == 429
    assert 0 < _retry_after(r) <= get_settings().login_window_seconds
    page = client.post("/login", data={"username": "leader", "password": PASSWORD, "csrf_token": csrf(client)},
                       follow_redirects=False)
    assert page.status_code == 429
    assert "retry-after" in page.headers


def test_successful_logins_do_not_count(world: World, client: TestClient) -> None:
    get_settings().login_address_max_failures = 2
    for _ in range(4):
        assert client.post("/api/v1/auth/token", data={"username": "agent", "password": PASSWORD}).status_code == 200


@pytest.mark.parametrize(("url", "expected"), [("", "in-process"), ("redis://127.0.0.1:6379/0", "Redis at 127.0.0.1")])
def test_the_app_says_which_backend_counts(engine: object, caplog: pytest.LogCaptureFixture, url: str,
                                           expected: str) -> None:
    get_settings().redis_url = url
    ratelimit.get_limiter.cache_clear()
    with caplog.at_level(logging.INFO, logger="cityloop"), TestClient(web_app()):
        pass
    ratelimit.get_limiter.cache_clear()
    assert any(r.message.startswith("rate limits: " + expected) for r in caplog.records)
