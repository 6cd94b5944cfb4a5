"""Login, logout, landing pages, login redirects and role checks."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from fastapi.testclient import TestClient
from web_helpers import csrf, login, post

from builders import World

STAFF_PAGES = ["/desk", "/dispatch", "/inbox", "/grid", "/supervise", "/cockpit", "/admin", "/cases/1"]


@pytest.mark.parametrize("page", STAFF_PAGES)
def test_staff_pages_redirect_anonymous_users_to_login(client: TestClient, page: str) -> None:
    r = client.get(page + "?x=1", follow_redirects=False)
    assert r.status_code == 303
    assert r.headers["location"] == "/login?next=" + page.replace("/", "%2F") + "%3Fx%3D1"


@pytest.mark.parametrize(("user", "home"), [
    ("agent", "/desk"), ("dispatcher", "/dispatch"), ("handler", "/inbox"), ("grid_worker", "/grid"),
    ("supervisor", "/supervise"), ("leader", "/cockpit"), ("admin", "/admin"), ("citizen", "/portal"),
])
def test_login_lands_on_the_main_role_page(world: World, client: TestClient, user: str, home: str) -> None:
    r = post(client, "/login", {"username": user, "password": "secret-pass-1"})
    assert r.status_code == 303
    assert r.headers["location"] == home
    assert "cityloop_session" in r.headers["set-cookie"]
    assert "httponly" in r.headers["set-cookie"].lower()
    assert client.get(home).status_code == 200


def test_login_follows_next_but_not_to_other_sites(world: World, client: TestClient) -> None:
    r = post(client, "/login", {"username": "dispatcher", "password": "secret-pass-1", "next": "/cases/1"})
    assert r.headers["location"] == "/cases/1"
    r = post(client, "/login", {"username": "dispatcher", "password": "secret-pass-1", "next": "//evil.example"})
    assert r.headers["location"] == "/dispatch"


def test_wrong_password_shows_the_error_next_to_the_field(world: World, client: TestClient) -> None:
    r = post(client, "/login", {"username": "agent", "password": "nope-nope"})
    assert r.status_code == 400
    assert 'aria-invalid="true"' in r.text
    assert "用户名或密码错误" in r.text
    assert "cityloop_session" not in client.cookies


@pytest.mark.parametrize(("user", "page"), [
    ("handler", "/dispatch"), ("agent", "/admin"), ("grid_worker", "/cockpit"), ("citizen", "/desk"),
    ("dispatcher", "/inbox"), ("leader", "/supervise"),
])
def test_wrong_role_gets_a_403_page(as_user: Callable[[str], TestClient], user: str, page: str) -> None:
    r = as_user(user).get(page)
    assert r.status_code == 403
    assert "无权访问" in r.text
    assert "<html" in r.text


def test_admin_may_open_every_console(as_user: Callable[[str], TestClient]) -> None:
    c = as_user("admin")
    for page in ["/desk", "/dispatch", "/inbox", "/grid", "/supervise", "/cockpit", "/admin"]:
        assert c.get(page).status_code == 200, page


def test_logout_ends_the_session(as_user: Callable[[str], TestClient]) -> None:
    c = as_user("dispatcher")
    r = post(c, "/logout")
    assert r.status_code == 303
    assert c.get("/dispatch", follow_redirects=False).status_code == 303


def test_an_invalid_session_cookie_counts_as_logged_out(world: World, client: TestClient) -> None:
    client.cookies.set("cityloop_session", "garbage")
    r = client.get("/dispatch", follow_redirects=False)
    assert r.status_code == 303
    assert r.headers["location"].startswith("/login")


def test_the_same_session_cookie_works_for_the_api(as_user: Callable[[str], TestClient]) -> None:
    c = as_user("dispatcher")
    assert c.get("/api/v1/me").json()["username"] == "dispatcher"


def test_root_sends_visitors_to_the_portal_and_staff_to_their_console(world: World, client: TestClient) -> None:
    assert client.get("/", follow_redirects=False).headers["location"] == "/portal"
    login(client, "supervisor")
    assert client.get("/", follow_redirects=False).headers["location"] == "/supervise"
    assert csrf(client)
