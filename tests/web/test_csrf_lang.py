"""CSRF protection of every form and the language switch."""

from __future__ import annotations

from collections.abc import Callable

from fastapi.testclient import TestClient
from web_helpers import csrf

from builders import World


def test_login_without_csrf_token_is_rejected(world: World, client: TestClient) -> None:
    client.get("/login")
    r = client.post("/login", data={"username": "agent", "password": "secret-pass-1"}, follow_redirects=False)
    assert r.status_code == 403
    assert "cityloop_session" not in client.cookies


def test_a_forged_token_is_rejected(world: World, client: TestClient) -> None:
    client.get("/login")
    r = client.post("/login", data={"username": "agent", "password": "secret-pass-1", "csrf_token": "x.y"},
                    follow_redirects=False)
    assert r.status_code == 403


def test_a_token_without_the_cookie_is_rejected(world: World, client: TestClient) -> None:
    token = csrf(client)
    client.cookies.clear()
    r = client.post("/login", data={"username": "agent", "password": "secret-pass-1", "csrf_token": token},
                    follow_redirects=False)
    assert r.status_code == 403


def test_actions_need_the_token_too(as_user: Callable[[str], TestClient]) -> None:
    c = as_user("dispatcher")
    r = c.post("/cases/1/act/dispatch", data={"unit_id": "1"}, follow_redirects=False)
    assert r.status_code == 403


def test_htmx_requests_send_the_token_as_a_header(as_user: Callable[[str], TestClient]) -> None:
    c = as_user("dispatcher")
    headers = {"HX-Request": "true", "X-CSRF-Token": csrf(c)}
    r = c.post("/cases/999/act/dispatch", data={"unit_id": "1"}, headers=headers)
    # Past the CSRF check the case is simply missing; htmx gets the message as a fragment.
    assert r.status_code == 200
    assert r.headers["HX-Retarget"] == "#flash"
    assert "工单不存在" in r.text


def test_pages_embed_the_token_for_htmx(world: World, client: TestClient) -> None:
    text = client.get("/portal").text
    assert f'"X-CSRF-Token": "{csrf(client)}"' in text


def test_chinese_is_the_default(world: World, client: TestClient) -> None:
    r = client.get("/login")
    assert 'lang="zh-CN"' in r.text
    assert "工作人员登录" in r.text


def test_lang_query_switches_to_english_and_sticks(world: World, client: TestClient) -> None:
    r = client.get("/login?lang=en")
    assert 'lang="en"' in r.text
    assert "Staff login" in r.text
    assert client.cookies.get("lang") == "en"
    assert "Staff login" in client.get("/portal").text
    client.get("/portal?lang=zh")
    assert "工作人员登录" in client.get("/login").text


def test_domain_errors_render_in_the_page_language(as_user: Callable[[str], TestClient]) -> None:
    c = as_user("dispatcher")
    r = c.get("/cases/424242?lang=en")
    assert r.status_code == 404
    assert "Case not found or outside your area" in r.text
