"""Login, tokens, API keys, throttling and the /me contract."""

from __future__ import annotations

from builders import PASSWORD, STREET
from cityloop.accounts import service
from cityloop.kit.auth import Role


def test_health_needs_no_login(client) -> None:
    assert client.get("/api/v1/health").json() == {"status": "ok"}


def test_token_and_me_describe_the_caller(client, world, auth) -> None:
    me = client.get("/api/v1/me", headers=auth("handler")).json()
    assert me["username"] == "handler"
    assert me["roles"] == ["handler"]
    assert me["unit"] == {"id": world.units["chengguan"].id, "name": "西湖区城管局"}
    assert me["scope"] == "330106"


def test_endpoints_reject_missing_or_forged_tokens(client, world) -> None:
    assert client.get("/api/v1/cases").status_code == 401
    forged = {"Authorization": "Bearer eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.bad"}
    resp = client.get("/api/v1/cases", headers=forged)
    assert resp.status_code == 401
    assert resp.json()["message"]["zh"]


def test_wrong_password_is_401_and_repeated_failures_are_throttled(client, world) -> None:
    for _ in range(5):
        resp = client.post("/api/v1/auth/token", data={"username": "agent", "password": "wrong-password"})
        assert resp.status_code == 401
    resp = client.post("/api/v1/auth/token", data={"username": "agent", "password": PASSWORD})
    assert resp.status_code == 429
    other = client.post("/api/v1/auth/token", data={"username": "dispatcher", "password": PASSWORD})
    assert other.status_code == 200


def test_unknown_user_gets_the_same_answer_as_a_wrong_password(client, world) -> None:
    resp = client.post("/api/v1/auth/token", data={"username": "nobody", "password": "whatever-1"})
    assert resp.status_code == 401


def test_disabled_user_cannot_log_in(client, world, db) -> None:
    world.users["leader"].is_active = False
    db.commit()
    resp = client.post("/api/v1/auth/token", data={"username": "leader", "password": PASSWORD})
    assert resp.status_code == 401


def test_api_key_is_scoped_like_a_user(client, world, db, auth) -> None:
    _key, secret = service.create_api_key(db, "iot-gateway", [Role.AGENT], scope=STREET)
    db.commit()
    headers = {"X-API-Key": secret}
    body = {"channel": "iot", "appeal_type": "event", "title": "井盖位移报警", "content": "传感器报告井盖位移",
            "location": {"division_code": STREET}, "category_code": "030101"}
    created = client.post("/api/v1/cases", json=body, headers=headers)
    assert created.status_code == 201, created.text
    outside = client.post("/api/v1/cases", json={**body, "location": {"division_code": "330105001"}},
                          headers=headers)
    assert outside.status_code == 403
    assert client.get("/api/v1/me", headers=headers).json()["kind"] == "api_key"
    assert client.get("/api/v1/me", headers={"X-API-Key": secret + "x"}).status_code == 401
