"""The admin page refuses weak passwords with the field message."""

from __future__ import annotations

from collections.abc import Callable

from fastapi.testclient import TestClient
from web_helpers import post

from builders import World


def test_the_admin_page_shows_the_password_rule(world: World, as_user: Callable[[str], TestClient]) -> None:
    r = post(as_user("admin"), "/admin/users", {"username": "newbie", "password": "password1", "roles": "agent",
                                                "scope": "3301"})
    assert r.status_code == 400
    assert "密码过于常见" in r.text
