"""Notify API: templates edited by administrators (placeholders checked), the delivery listing scoped and masked."""

from __future__ import annotations

from sqlalchemy import select

from builders import OTHER_STREET, STREET, file_case
from cityloop.channels.notify.models import OutboxMessage
from cityloop.channels.notify.sender import send_due

PHONE = "13512348765"


def test_administrators_read_every_kind_in_both_languages(client, auth, world) -> None:
    rows = client.get("/api/v1/notify/templates", headers=auth("admin")).json()
    kinds = {r["kind"] for r in rows}
    assert {"accepted", "closed", "dispatched", "urged"} <= kinds
    assert {(k, lang) for k in kinds for lang in ("zh", "en")} == {(r["kind"], r["lang"]) for r in rows}
    accepted = next(r for r in rows if r["kind"] == "accepted" and r["lang"] == "zh")
    assert "track_url" in accepted["placeholders"]
    assert "{track_url}" in accepted["text"]
    assert client.get("/api/v1/notify/templates", headers=auth("dispatcher")).status_code == 403


def test_an_edited_template_is_what_the_next_citizen_gets(client, auth, db, world) -> None:
    text = "您好，{title} 已登记为 {number}，进度 {track_url}"
    resp = client.put("/api/v1/notify/templates", json={"kind": "accepted", "lang": "zh", "text": text},
                      headers=auth("admin"))
    assert resp.status_code == 200
    assert resp.json()["edited"]
    assert resp.json()["updated_by"] == "admin"
    case = file_case(db, world.subjects["agent"], reporter={"name": "钱七", "phone": PHONE})
    message = db.scalars(select(OutboxMessage).where(OutboxMessage.case_id == case.id)).one()
    assert message.text.startswith(f"您好，{case.title} 已登记为 {case.number}，进度 http")


def test_unknown_placeholders_are_refused_in_both_languages(client, auth, world) -> None:
    for text in ("工单 {number} 由 {handler} 办理", "{number.__class__}", "{title!r}", "未闭合 {number"):
        resp = client.put("/api/v1/notify/templates", json={"kind": "closed", "lang": "zh", "text": text},
                          headers=auth("admin"))
        assert resp.status_code == 422, text
        field = resp.json()["details"]["fields"]["text"]
        assert field["zh"]
        assert field["en"]
        assert field["zh"] != field["en"]
    handler = client.put("/api/v1/notify/templates", json={"kind": "closed", "lang": "zh", "text": "{handler}"},
                         headers=auth("admin")).json()["details"]["fields"]["text"]
    assert "{handler}" in handler["zh"]
    assert "track_url" in handler["en"]
    unknown = client.put("/api/v1/notify/templates", json={"kind": "nope", "lang": "zh", "text": "x"},
                         headers=auth("admin"))
    assert unknown.status_code == 404
    forbidden = client.put("/api/v1/notify/templates", json={"kind": "closed", "lang": "zh", "text": "{number}"},
                           headers=auth("dispatcher"))
    assert forbidden.status_code == 403


def test_failed_deliveries_are_listed_for_the_area_with_phones_masked_as_the_role_requires(
        client, auth, db, world, monkeypatch) -> None:
    from cityloop.config import get_settings

    monkeypatch.setenv("CITYLOOP_NOTIFY_SMS_GATEWAY", "http")
    monkeypatch.setenv("CITYLOOP_NOTIFY_SMS_URL", "http://127.0.0.1:9/closed")
    monkeypatch.setenv("CITYLOOP_NOTIFY_MAX_ATTEMPTS", "1")
    get_settings.cache_clear()
    mine = file_case(db, world.subjects["agent"], reporter={"name": "孙八", "phone": PHONE},
                     location={"division_code": STREET})
    file_case(db, world.subjects["agent"], reporter={"name": "周九", "phone": "13511112222"},
              location={"division_code": OTHER_STREET})
    assert send_due(db).failed == 2

    listed = client.get("/api/v1/notify/deliveries", params={"status": "failed"}, headers=auth("dispatcher")).json()
    assert listed["total"] == 2
    assert all(i["status"] == "failed" and i["last_error"] for i in listed["items"])
    assert PHONE in {i["recipient"] for i in listed["items"]}  # dispatchers may read personal data
    assert all(len(i["log"]) == 1 and not i["log"][0]["ok"] for i in listed["items"])

    masked = client.get("/api/v1/notify/deliveries", params={"status": "failed"}, headers=auth("supervisor")).json()
    assert masked["total"] == 2
    assert PHONE not in {i["recipient"] for i in masked["items"]}
    assert all("****" in i["recipient"] for i in masked["items"])

    theirs = client.get("/api/v1/notify/deliveries", headers=auth("other_dispatcher")).json()
    assert theirs["total"] == 1
    assert theirs["items"][0]["case_id"] != mine.id
    one = theirs["items"][0]["id"]
    assert client.get(f"/api/v1/notify/deliveries/{one}", headers=auth("other_dispatcher")).status_code == 200
    mine_id = next(i["id"] for i in listed["items"] if i["case_id"] == mine.id)
    assert client.get(f"/api/v1/notify/deliveries/{mine_id}", headers=auth("other_dispatcher")).status_code == 404
    assert client.get("/api/v1/notify/deliveries", params={"status": "sent"},
                      headers=auth("dispatcher")).json()["total"] == 0
    for who in ("handler", "citizen"):
        assert client.get("/api/v1/notify/deliveries", headers=auth(who)).status_code == 403
    assert client.get("/api/v1/notify/deliveries").status_code == 401
