"""Password rules: length, common passwords, the username; at creation (service, page, CLI) and on change."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st
from typer.testing import CliRunner

from builders import PASSWORD
from cityloop.accounts import passwords, service
from cityloop.cli import app
from cityloop.kit.auth import Role
from cityloop.kit.errors import ValidationFailed


@pytest.mark.parametrize(("username", "password", "en"), [
    ("zhangwei", "short1", "at least 8"),
    ("zhangwei", "Password123", "too common"),
    ("zhangwei", "woaini1314", "too common"),
    ("zhangwei", "ZhangWei-2024!", "username"),
    ("zhangwei", "zhangwei", "username"),
])
def test_weak_passwords_are_refused_at_creation(db, username: str, password: str, en: str) -> None:
    with pytest.raises(ValidationFailed) as err:
        service.create_user(db, username, password, [Role.AGENT], scope="3301")
    zh_message, en_message = err.value.fields["password"]
    assert en in en_message
    assert zh_message


def test_a_sound_password_is_accepted(db) -> None:
    assert service.create_user(db, "zhangwei", "tea-kettle-on-9", [Role.AGENT], scope="3301").id


@given(st.sampled_from(sorted(passwords.common_passwords())), st.booleans())
def test_every_listed_password_is_refused_in_any_case(password: str, upper: bool) -> None:
    assert passwords.problem("someone", password.upper() if upper else password) is not None


@given(st.text("abcdefghijklmnopqrstuvwxyz0123456789", min_size=3, max_size=12),
       st.text(min_size=0, max_size=6), st.text(min_size=0, max_size=6))
def test_a_password_containing_the_username_is_refused(name: str, before: str, after: str) -> None:
    assert passwords.problem(name, before + name.upper() + after) is not None


def test_users_change_their_own_password(client, world, auth) -> None:
    url, headers = "/api/v1/me/password", auth("agent")
    wrong = client.post(url, json={"current_password": "nope-nope-1", "new_password": "tea-kettle-on-9"},
                        headers=headers)
    assert (wrong.status_code, list(wrong.json()["details"]["fields"])) == (422, ["current_password"])
    common = client.post(url, json={"current_password": PASSWORD, "new_password": "qwerty123456"}, headers=headers)
    assert common.status_code == 422
    assert common.json()["details"]["fields"]["new_password"]["en"].startswith("This password is too common")
    assert client.post(url, json={"current_password": PASSWORD, "new_password": "tea-kettle-on-9"},
                       headers=headers).status_code == 204
    token = client.post("/api/v1/auth/token", data={"username": "agent", "password": "tea-kettle-on-9"})
    assert token.status_code == 200


def test_the_cli_refuses_a_common_password(db, world) -> None:
    result = CliRunner().invoke(app, ["users", "create", "newbie", "--password", "iloveyou1", "--role", "agent"])
    assert result.exit_code == 1
    assert "too common" in result.output
    result = CliRunner().invoke(app, ["users", "set-password", "agent", "--password", "agent-2024-x"])
    assert (result.exit_code, "username" in result.output) == (1, True)
