"""The services API contract: search, guide, applications (citizen token), masking and scoping."""

from __future__ import annotations

from datetime import datetime

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from cityloop.kit import clock
from cityloop.kit.calendar import TZ
from cityloop.services.applications.models import Application, ApplicationEvent

pytestmark = pytest.mark.usefixtures("catalogue")
BIRTH = "330100-XK-0101-01"
ALL = ["母亲居民身份证", "父亲居民身份证", "结婚证"]


def test_search_returns_the_contract_fields(client) -> None:  # type: ignore[no-untyped-def]
    items = client.get("/api/v1/services/items", params={"q": "生孩子"}).json()
    assert BIRTH in [i["code"] for i in items]
    first = next(i for i in items if i["code"] == BIRTH)
    assert {k: first[k] for k in ("name", "unit", "promised_days", "legal_days")} == {
        "name": "出生医学证明首次签发", "unit": "市卫生健康委员会", "promised_days": 3, "legal_days": 20}


def test_guide_gives_materials_and_notice(client) -> None:  # type: ignore[no-untyped-def]
    r = client.post(f"/api/v1/services/items/{BIRTH}/guide", json={"answers": {"self": "no", "married": "yes"}})
    assert r.status_code == 200
    body = r.json()
    assert [(m["name"], m["copies"]) for m in body["materials"]] == [
        ("母亲居民身份证", 1), ("父亲居民身份证", 1), ("结婚证", 1), ("委托书", 1), ("代办人居民身份证", 1)]
    page = client.get(body["notice_url"])
    assert page.status_code == 200
    assert "代办人居民身份证" in page.text
    assert BIRTH in page.text


def test_incomplete_answers_are_422_naming_the_next_question(client) -> None:  # type: ignore[no-untyped-def]
    r = client.post(f"/api/v1/services/items/{BIRTH}/guide", json={"answers": {"self": "yes"}})
    assert r.status_code == 422
    assert r.json()["details"]["next_question"]["key"] == "married"
    assert "answers.married" in r.json()["details"]["fields"]


def test_unknown_item_is_404(client) -> None:  # type: ignore[no-untyped-def]
    assert client.post("/api/v1/services/items/NOPE/guide", json={"answers": {}}).status_code == 404


def test_citizen_applies_with_a_working_day_deadline(client, auth, db: Session) -> None:  # type: ignore[no-untyped-def]
    clock.freeze(datetime(2026, 9, 30, 10, 0, tzinfo=TZ))  # before the National Day holiday
    body = {"item_code": BIRTH, "answers": {"self": "yes", "married": "yes"}, "materials": ALL}
    r = client.post("/api/v1/services/applications", json=body, headers=auth("citizen"))
    assert r.status_code == 201, r.text
    out = r.json()
    assert out["state"] == "submitted"
    assert out["number"].startswith("SB20260930")
    # Three working days from 30 September skip the 1–8 October holiday.
    assert out["deadline"].startswith("2026-10-1")
    assert [e.action for e in db.scalars(select(ApplicationEvent))] == ["file"]


def test_missing_materials_are_all_listed_and_nothing_is_written(client, auth, db: Session) -> None:  # type: ignore[no-untyped-def]
    body = {"item_code": BIRTH, "answers": {"self": "yes", "married": "yes"}, "materials": ["母亲居民身份证"]}
    r = client.post("/api/v1/services/applications", json=body, headers=auth("citizen"))
    assert r.status_code == 422
    fields = r.json()["details"]["fields"]
    assert set(fields) == {"materials.父亲居民身份证", "materials.结婚证"}
    assert fields["materials.结婚证"]["en"].startswith("missing material")
    assert db.scalars(select(Application)).all() == []


def test_only_citizens_apply_and_anonymous_callers_are_refused(client, auth) -> None:  # type: ignore[no-untyped-def]
    body = {"item_code": BIRTH, "answers": {"self": "yes", "married": "no"}, "materials": ["母亲居民身份证"]}
    assert client.post("/api/v1/services/applications", json=body).status_code == 401
    assert client.post("/api/v1/services/applications", json=body, headers=auth("dispatcher")).status_code == 403


def test_staff_see_applications_of_their_area_masked(client, auth) -> None:  # type: ignore[no-untyped-def]
    body = {"item_code": BIRTH, "answers": {"self": "yes", "married": "no"}, "materials": ["母亲居民身份证"],
            "phone": "13812345678"}
    app_id = client.post("/api/v1/services/applications", json=body, headers=auth("citizen")).json()["id"]
    own = client.get(f"/api/v1/services/applications/{app_id}", headers=auth("citizen")).json()
    assert own["applicant_phone"] == "13812345678"
    seen = client.get(f"/api/v1/services/applications/{app_id}", headers=auth("leader")).json()
    assert seen["applicant_phone"] != "13812345678"
    assert client.get(f"/api/v1/services/applications/{app_id}", headers=auth("other_handler")).status_code == 404


def test_a_clear_read_of_an_applicant_is_audited_and_a_masked_or_own_read_is_not(client, auth, db: Session) -> None:  # type: ignore[no-untyped-def]
    from cityloop.audit.models import AuditEntry

    body = {"item_code": BIRTH, "answers": {"self": "yes", "married": "no"}, "materials": ["母亲居民身份证"],
            "phone": "13812345678"}
    app_id = client.post("/api/v1/services/applications", json=body, headers=auth("citizen")).json()["id"]

    def reads() -> list[tuple[str, list[int]]]:
        rows = db.scalars(select(AuditEntry).where(AuditEntry.action == "read_personal_data")).all()
        return [(r.actor_name, list(r.object_ids)) for r in rows]

    client.get(f"/api/v1/services/applications/{app_id}", headers=auth("citizen"))
    client.get(f"/api/v1/services/applications/{app_id}", headers=auth("leader"))  # masked for a leader
    assert reads() == []
    seen = client.get(f"/api/v1/services/applications/{app_id}", headers=auth("window")).json()
    assert seen["applicant_phone"] == "13812345678"
    db.expire_all()
    assert reads() == [("window", [app_id])]
