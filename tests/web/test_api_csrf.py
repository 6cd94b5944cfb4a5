"""The JSON API takes the session cookie for writes only together with the CSRF token (X-CSRF-Token)."""

from __future__ import annotations

from collections.abc import Callable

from fastapi.testclient import TestClient
from web_helpers import csrf

from builders import STREET, World

CASE = {"channel": "hotline", "appeal_type": "complain", "title": "路灯不亮", "content": "小区门口路灯坏了好几天。",
        "location": {"address": "北山街道某路", "division_code": STREET}}


def test_a_cookie_write_without_the_token_is_refused(world: World, as_user: Callable[[str], TestClient]) -> None:
    c = as_user("agent")
    r = c.post("/api/v1/cases", json=CASE)
    assert (r.status_code, r.json()["error"]) == (403, "forbidden")
    assert c.post("/api/v1/cases", json=CASE, headers={"X-CSRF-Token": "forged"}).status_code == 403
    assert c.post("/api/v1/cases", json=CASE, headers={"X-CSRF-Token": csrf(c)}).status_code == 201


def test_cookie_reads_and_bearer_writes_need_no_token(world: World, as_user: Callable[[str], TestClient],
                                                      client: TestClient) -> None:
    assert as_user("agent").get("/api/v1/cases").status_code == 200
    token = client.post("/api/v1/auth/token", data={"username": "agent", "password": "secret-pass-1"}).json()
    headers = {"Authorization": f"Bearer {token['access_token']}"}
    assert client.post("/api/v1/cases", json=CASE, headers=headers).status_code == 201
