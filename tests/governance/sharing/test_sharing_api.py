"""The 一网共享 story over HTTP: a 住建局 user requests 城管局 case data, it is approved twice, the key is called."""

from __future__ import annotations

from datetime import timedelta

from sharing_world import PHONE, ShareWorld, approved, request_in
from sqlalchemy import func, select

from builders import DISTRICT, PASSWORD, STREET
from cityloop.audit.models import AuditEntry
from cityloop.config import get_settings
from cityloop.governance.sharing.keys.models import ShareUsage


def _body(days: int = 30, **extra: object) -> dict[str, object]:
    data = request_in(days=days).model_dump(mode="json")
    data.update(extra)
    return data


def test_housing_user_requests_city_management_cases_and_calls_them_with_the_key(db, share: ShareWorld, client,
                                                                                  auth) -> None:
    body = _body(fields=["id", "title", "division_code", "reporter_phone"], area_code=DISTRICT)
    made = client.post("/api/v1/share/requests", json=body, headers=auth("zj_handler"))
    assert made.status_code == 201, made.text
    request = made.json()
    assert request["state"] == "pending_owner"
    assert request["needs_bureau"] is True

    owner = client.post(f"/api/v1/share/requests/{request['id']}/approve_owner", json={}, headers=auth("cg_lead"))
    assert owner.json()["state"] == "pending_bureau"
    assert owner.json()["key"] is None
    bureau = client.post(f"/api/v1/share/requests/{request['id']}/approve_bureau", json={}, headers=auth("admin"))
    key = bureau.json()["key"]
    assert bureau.json()["state"] == "approved"
    assert key.startswith("cls_")
    again = client.get(f"/api/v1/share/requests/{request['id']}", headers=auth("zj_handler")).json()
    assert again["key"] is None
    assert again["key_prefix"] == key.split("_")[1]
    assert [e["action"] for e in again["events"]] == ["submit", "approve_owner", "approve_bureau"]

    page = client.get("/api/v1/share/data/cg-cases", headers={"X-API-Key": key})
    assert page.status_code == 200, page.text
    items = page.json()["items"]
    expected = {cid for cid, division in share.cases.items() if division.startswith(DISTRICT)}
    assert {i["id"] for i in items} == expected
    assert all(set(i) == {"id", "title", "division_code", "reporter_phone"} for i in items)
    assert all(i["reporter_phone"] != PHONE and i["reporter_phone"].startswith(PHONE[:3]) for i in items)
    bearer = client.get("/api/v1/share/data/cg-cases", headers={"Authorization": f"Bearer {key}"})
    assert bearer.status_code == 200
    assert bearer.json()["items"] == items

    usage = client.get("/api/v1/share/usage", headers=auth("admin")).json()
    consumer = next(r for r in usage["by_consumer"] if r["id"] == share.w.units["zhujian"].id)
    assert consumer["calls"] == 2
    assert consumer["rows"] == 2 * len(expected)
    calls = db.scalars(select(AuditEntry).where(AuditEntry.action == "share_call")).all()
    assert len(calls) == 2
    assert all(c.actor_kind == "share_key" for c in calls)


def test_a_session_token_or_no_key_is_not_a_sharing_key(share: ShareWorld, client, auth) -> None:
    assert client.get("/api/v1/share/data/cg-cases").status_code == 401
    answer = client.get("/api/v1/share/data/cg-cases", headers=auth("admin"))
    assert answer.status_code == 401
    assert answer.json()["message"]["en"] == "Invalid sharing key"


def test_an_unknown_key_is_audited_without_its_secret_and_throttled_per_address(db, share: ShareWorld, client,
                                                                               monkeypatch) -> None:
    monkeypatch.setenv("CITYLOOP_LOGIN_ADDRESS_MAX_FAILURES", "3")
    get_settings.cache_clear()
    try:
        # The second sends a key without its public part: what follows `cls_` is then the secret itself.
        guesses = ["cls_0123456789ab_not-the-secret", "cls_Sup3r_secret-part", "garbage", "cls_cafe_wrong"]
        codes = [client.get("/api/v1/share/data/cg-cases", headers={"X-API-Key": g}).status_code for g in guesses]
        staff = client.post("/api/v1/auth/token", data={"username": "admin", "password": PASSWORD})
    finally:
        get_settings.cache_clear()
    assert codes == [401, 401, 401, 429]
    assert staff.status_code == 200  # wrong keys have their own counter: staff logins from there still work
    refused = db.scalars(select(AuditEntry).where(AuditEntry.action == "share_call_refused")
                        .order_by(AuditEntry.id)).all()
    assert [(e.detail["key_prefix"], e.detail["resource"], e.detail["status"]) for e in refused] == \
        [("0123456789ab", "cg-cases", 401), ("malformed", "cg-cases", 401), ("malformed", "cg-cases", 401)]
    assert all(e.detail["address"] == "testclient" for e in refused)
    logged = str([e.detail for e in refused])
    assert "not-the-secret" not in logged
    assert "Sup3r" not in logged
    assert db.scalar(select(func.count()).select_from(ShareUsage)) == 0  # the usage log is of known keys


def test_revocation_takes_effect_on_the_next_call(db, share: ShareWorld, client, auth) -> None:
    out, key = approved(db, share, request_in(fields=["id"]))
    assert client.get("/api/v1/share/data/cg-cases", headers={"X-API-Key": key}).status_code == 200
    revoked = client.post(f"/api/v1/share/requests/{out.id}/revoke", json={"reason": "用途已结束"},
                          headers=auth("cg_lead"))
    assert revoked.json()["state"] == "revoked"
    answer = client.get("/api/v1/share/data/cg-cases", headers={"X-API-Key": key})
    assert answer.status_code == 401
    assert answer.json()["message"] == {"zh": "共享密钥已被撤销", "en": "The sharing key has been revoked"}
    statuses = db.scalars(select(ShareUsage.status).order_by(ShareUsage.id)).all()
    assert statuses == [200, 401]


def test_an_expired_or_not_yet_valid_key_answers_401(db, share: ShareWorld, client) -> None:
    from cityloop.kit import clock

    _out, key = approved(db, share, request_in(fields=["id"], days=2))
    now = clock.utcnow()
    clock.freeze(now + timedelta(days=4))
    expired = client.get("/api/v1/share/data/cg-cases", headers={"X-API-Key": key})
    assert expired.status_code == 401
    assert expired.json()["message"]["en"] == "The sharing key has expired"
    clock.freeze(now - timedelta(days=2))
    early = client.get("/api/v1/share/data/cg-cases", headers={"X-API-Key": key})
    assert early.status_code == 401
    assert early.json()["message"]["en"] == "The sharing key is not valid yet"


def test_calls_over_the_granted_rate_answer_429(db, share: ShareWorld, client) -> None:
    _out, key = approved(db, share, request_in(fields=["id"], rate=2))
    codes = [client.get("/api/v1/share/data/cg-cases", headers={"X-API-Key": key}).status_code for _ in range(3)]
    assert codes == [200, 200, 429]
    assert db.scalars(select(ShareUsage.status).order_by(ShareUsage.id)).all() == [200, 200, 429]


def test_a_key_reads_only_its_own_resource(db, share: ShareWorld, client) -> None:
    _out, key = approved(db, share, request_in(fields=["id"]))
    assert client.get("/api/v1/share/data/cg-basic", headers={"X-API-Key": key}).status_code == 403


def test_pages_follow_the_cursor_without_repeating_rows(db, share: ShareWorld, client) -> None:
    _out, key = approved(db, share, request_in(fields=["id"]))
    seen: list[int] = []
    cursor = None
    for _ in range(10):
        params = {"limit": 1} | ({"after": cursor} if cursor else {})
        page = client.get("/api/v1/share/data/cg-cases", params=params, headers={"X-API-Key": key}).json()
        seen += [i["id"] for i in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert seen == sorted(share.cases)


def test_unshared_resource_is_refused_with_its_reason(db, share: ShareWorld, client, auth) -> None:
    answer = client.post("/api/v1/share/requests", json=_body(resource_code="cg-secret"), headers=auth("zj_handler"))
    assert answer.status_code == 403
    assert "涉及执法秘密" in answer.json()["message"]["zh"]
    assert "not shared" in answer.json()["message"]["en"]
    assert db.scalar(select(AuditEntry.id).where(AuditEntry.action == "share_refused")) is not None


def test_bad_request_reports_every_field_and_writes_nothing(db, share: ShareWorld, client, auth) -> None:
    body = _body(purpose="看", fields=["id", "reporter_id_number"], area_code="999999",
                 ends_on="2020-01-01", rate_per_minute=10_000)
    answer = client.post("/api/v1/share/requests", json=body, headers=auth("zj_handler"))
    assert answer.status_code == 422
    fields = answer.json()["details"]["fields"]
    assert set(fields) == {"purpose", "fields", "area_code", "ends_on", "rate_per_minute"}
    assert all(m["zh"] and m["en"] for m in fields.values())
    assert client.get("/api/v1/share/requests", headers=auth("zj_handler")).json() == []


def test_streets_bound_rows_to_their_area(db, share: ShareWorld, client) -> None:
    _out, key = approved(db, share, request_in(fields=["id", "division_code"], area=STREET))
    items = client.get("/api/v1/share/data/cg-cases", headers={"X-API-Key": key}).json()["items"]
    assert items
    assert all(i["division_code"].startswith(STREET) for i in items)
