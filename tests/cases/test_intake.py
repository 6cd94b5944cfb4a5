"""Intake: validation, routing, deadlines, idempotency, encryption and masking."""

from __future__ import annotations

import threading
from datetime import UTC, datetime

import pytest
from sqlalchemy import func, select, text

from builders import DISTRICT, STREET, case_in, file_case
from cityloop.cases.idempotency.service import KeyInFlight
from cityloop.cases.intake import intake
from cityloop.cases.models import Case
from cityloop.kit import clock
from cityloop.kit.db import get_sessionmaker

MONDAY_10 = datetime(2025, 3, 3, 2, 0, tzinfo=UTC)  # 10:00 in Shanghai


def _payload(**overrides):  # type: ignore[no-untyped-def]
    return case_in(**overrides).model_dump(mode="json", exclude_none=True)


def test_intake_routes_to_the_street_office_and_sets_working_day_deadline(db, world) -> None:
    clock.freeze(MONDAY_10)
    case = file_case(db, world.subjects["agent"])
    assert case.unit_id == world.units["street"].id
    assert case.state == "dispatched"
    # 5 working days after Monday 3 March 2025 is Monday 10 March, end of day, Shanghai time.
    assert case.deadline == datetime(2025, 3, 10, 15, 59, 59, 999999, tzinfo=UTC)
    assert case.number.startswith("20250303")


def test_intake_without_street_rule_falls_back_to_the_district_department(db, world) -> None:
    case = file_case(db, world.subjects["agent"], location={"division_code": DISTRICT})
    assert case.unit_id == world.units["chengguan"].id


def test_appeal_type_specific_rule_beats_the_generic_one(db, world) -> None:
    complaint = file_case(db, world.subjects["agent"], category_code="020101", appeal_type="complain")
    consult = file_case(db, world.subjects["agent"], category_code="020101", appeal_type="consult")
    assert complaint.handle_limit == 15
    assert consult.handle_limit == 10


def test_unknown_or_disputed_category_waits_in_the_dispatch_queue(db, world) -> None:
    no_category = file_case(db, world.subjects["agent"], category_code=None)
    disputed = file_case(db, world.subjects["agent"], category_code="040101")
    for case in (no_category, disputed):
        assert case.state == "received"
        assert case.unit_id is None
    assert disputed.suggestions["route"] == "disputed"
    assert no_category.handle_limit == 15  # default limit of a complaint


def test_hour_limits_give_hour_deadlines(db, world) -> None:
    clock.freeze(MONDAY_10)
    case = file_case(db, world.subjects["agent"], category_code="030101", location={"division_code": DISTRICT})
    assert case.deadline == datetime(2025, 3, 3, 6, 0, tzinfo=UTC)
    assert case.grade == "A"


def test_same_idempotency_key_returns_the_same_case(client, world, auth) -> None:
    headers = {**auth("agent"), "Idempotency-Key": "call-778"}
    first = client.post("/api/v1/cases", json=_payload(), headers=headers)
    second = client.post("/api/v1/cases", json=_payload(), headers=headers)
    assert first.status_code == second.status_code == 201
    assert first.json()["id"] == second.json()["id"]
    assert second.headers["Idempotent-Replayed"] == "true"
    other = client.post("/api/v1/cases", json=_payload(), headers={**auth("agent"), "Idempotency-Key": "call-779"})
    assert other.json()["id"] != first.json()["id"]


def test_concurrent_retries_create_exactly_one_case(db, world) -> None:
    results: list[int] = []
    errors: list[BaseException] = []

    def submit() -> None:
        session = get_sessionmaker()()
        try:
            case, _ = intake(session, world.subjects["agent"], case_in(), "retry-key")
            results.append(case.id)
        except BaseException as exc:  # collected and asserted below
            errors.append(exc)
        finally:
            session.close()

    threads = [threading.Thread(target=submit) for _ in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    # Each retry replays the one case, or (PostgreSQL) is told the first request is still in flight (409).
    assert all(isinstance(exc, KeyInFlight) for exc in errors)
    assert len(set(results)) == 1
    assert db.scalar(select(func.count()).select_from(Case)) == 1


def test_invalid_payload_gets_field_errors_in_both_languages_and_writes_nothing(client, db, world, auth) -> None:
    bad = {**_payload(), "title": "", "appeal_type": "nonsense"}
    bad["reporter"] = {"phone": "not a phone!"}
    resp = client.post("/api/v1/cases", json=bad, headers=auth("agent"))
    assert resp.status_code == 422
    fields = resp.json()["details"]["fields"]
    assert {"title", "appeal_type", "reporter.phone"} <= set(fields)
    assert all(v["zh"] and v["en"] for v in fields.values())
    assert db.scalar(select(func.count()).select_from(Case)) == 0


def test_unknown_category_and_foreign_division_are_rejected(client, world, auth) -> None:
    resp = client.post("/api/v1/cases", json=_payload(category_code="999999"), headers=auth("agent"))
    assert resp.status_code == 422
    assert "category_code" in resp.json()["details"]["fields"]
    resp = client.post("/api/v1/cases", json=_payload(location={"division_code": "110101"}), headers=auth("agent"))
    assert resp.status_code == 422


def test_personal_data_is_encrypted_at_rest(db, world) -> None:
    case = file_case(db, world.subjects["agent"])
    raw = db.execute(text("SELECT reporter_phone, reporter_name FROM cases WHERE id = :i"), {"i": case.id}).one()
    assert "13812345678" not in raw[0]
    assert "张三" not in raw[1]


def test_personal_data_is_masked_for_roles_without_the_right(client, world, auth) -> None:
    created = client.post("/api/v1/cases", json=_payload(), headers=auth("agent")).json()
    as_dispatcher = client.get(f"/api/v1/cases/{created['id']}", headers=auth("dispatcher")).json()
    as_leader = client.get(f"/api/v1/cases/{created['id']}", headers=auth("leader")).json()
    assert as_dispatcher["reporter"]["phone"] == "13812345678"
    assert as_leader["reporter"]["phone"] == "138****5678"
    assert as_leader["reporter"]["name"] == "张*"


def test_citizen_files_from_the_web_and_sees_only_own_cases(client, world, auth) -> None:
    mine = client.post("/api/v1/cases", json=_payload(channel="web"), headers=auth("citizen"))
    assert mine.status_code == 201
    client.post("/api/v1/cases", json=_payload(), headers=auth("agent"))
    listed = client.get("/api/v1/cases", headers=auth("citizen")).json()
    assert [c["id"] for c in listed["items"]] == [mine.json()["id"]]
    assert listed["items"][0]["reporter"]["phone"] == "13812345678"
    hotline = client.post("/api/v1/cases", json=_payload(channel="hotline"), headers=auth("citizen"))
    assert hotline.status_code == 422


def test_caller_history_by_phone(client, world, auth) -> None:
    client.post("/api/v1/cases", json=_payload(), headers=auth("agent"))
    client.post("/api/v1/cases", json=_payload(reporter={"name": "李四", "phone": "13900000000"}),
                headers=auth("agent"))
    found = client.get("/api/v1/cases", params={"phone": "13812345678"}, headers=auth("agent")).json()
    assert found["total"] == 1


def test_location_outside_scope_of_a_street_agent_is_forbidden(db, world, client, auth) -> None:
    resp = client.post("/api/v1/cases", json=_payload(location={"division_code": STREET}), headers=auth("grid_worker"))
    assert resp.status_code == 201
    resp = client.post("/api/v1/cases", json=_payload(location={"division_code": "330105001"}),
                       headers=auth("grid_worker"))
    assert resp.status_code == 403


@pytest.mark.parametrize("url", ["javascript:alert(1)", " JavaScript:alert(1)", "data:text/html,x", "//evil.example/x",
                                 "/files/..\\x"])
def test_attachment_links_must_be_our_files_or_web_addresses(url: str) -> None:
    from pydantic import ValidationError

    from cityloop.cases.schemas import ActionIn, AttachmentIn

    with pytest.raises(ValidationError):
        AttachmentIn(name="p.png", content_type="image/png", size=1, url=url)
    with pytest.raises(ValidationError):
        ActionIn.model_validate({"attachments": [{"name": "p", "content_type": "image/png", "size": 1, "url": url}]})
    assert AttachmentIn(name="p", content_type="image/png", size=1, url="/files/ab.png").url == "/files/ab.png"
