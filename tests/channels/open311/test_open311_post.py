"""POST requests: a form becomes an open311 case through intake; keys, services and locations are checked."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from typing import Any

import pytest
from o311_schemas import ERRORS, POST_RESPONSE, validate
from sqlalchemy import select
from sqlalchemy.orm import Session

from cityloop.accounts import service as accounts
from cityloop.areas.elements import service as elements
from cityloop.areas.elements.models import ElementKind, StandardAddress
from cityloop.cases.models import Case
from cityloop.kit.auth import Role


def _case(db: Session, number: str) -> Case:
    db.expire_all()
    case = db.scalar(select(Case).where(Case.id == int(number[8:])))
    assert case is not None
    return case


def test_a_post_files_an_open311_case_that_the_dispatcher_sees(post: Any, client: Any, auth: Any,
                                                               db: Session) -> None:
    resp = post(**{"attribute[size]": "large", "media_url": "https://img.example.com/p/1.jpg"})
    assert resp.status_code == 200, resp.text
    body = resp.json()
    validate(body, POST_RESPONSE)
    assert body[0]["account_id"] is None
    number = body[0]["service_request_id"]
    case = _case(db, number)
    assert (case.channel, case.category_code, case.source_system) == ("open311", "010101", "open311")
    assert case.lat == pytest.approx(30.2741)
    assert "size: large" in case.content
    assert case.attachments[0]["url"] == "https://img.example.com/p/1.jpg"
    listed = client.get("/api/v1/cases", params={"channel": "open311"}, headers=auth("dispatcher")).json()
    assert [c["number"] for c in listed["items"]] == [number]


def test_post_answers_in_xml(post: Any) -> None:
    resp = post("xml")
    assert resp.status_code == 200
    assert resp.headers["content-type"].startswith("text/xml")
    root = ET.fromstring(resp.content)
    assert root.tag == "service_requests"
    assert [child.tag for child in root] == ["request"]
    assert root.find("request/service_request_id") is not None
    assert root.find("request/service_request_id").text  # type: ignore[union-attr]


def test_a_replay_under_the_same_client_id_returns_the_same_request(post: Any, db: Session) -> None:
    first = post(headers={"Idempotency-Key": "app-42"}).json()[0]["service_request_id"]
    again = post(headers={"Idempotency-Key": "app-42"}).json()[0]["service_request_id"]
    by_field = post(service_request_id="app-43").json()[0]["service_request_id"]
    by_field_again = post(service_request_id="app-43").json()[0]["service_request_id"]
    other_device = post(service_request_id="app-43", device_id="phone-2").json()[0]["service_request_id"]
    assert first == again
    assert by_field == by_field_again
    assert len({first, by_field, other_device}) == 3
    assert db.scalar(select(Case).where(Case.id == int(first[8:]))).external_id == "app-42"  # type: ignore[union-attr]


def test_without_a_client_id_every_post_is_a_new_request(post: Any) -> None:
    assert post().json()[0]["service_request_id"] != post().json()[0]["service_request_id"]


@pytest.mark.parametrize("fmt", ["json", "xml"])
@pytest.mark.parametrize("key", ["cl_nope_nope", "garbage", ""])
def test_a_bad_api_key_is_403_in_the_envelope(post: Any, fmt: str, key: str) -> None:
    resp = post(fmt, api_key=key)
    assert resp.status_code == 403
    _assert_envelope(resp, fmt, 403)


def test_a_citizen_key_may_not_file(post: Any, db: Session) -> None:
    _key, secret = accounts.create_api_key(db, "citizen-app", [Role.CITIZEN], "")
    db.commit()
    resp = post(api_key=secret)
    assert resp.status_code == 403
    _assert_envelope(resp, "json", 403)


@pytest.mark.parametrize("fmt", ["json", "xml"])
@pytest.mark.parametrize(("fields", "word"), [
    ({"service_code": "999999"}, "service_code"),
    ({"service_code": "01"}, "service_code"),  # a domain, not a leaf: not a service
    ({"service_code": None}, "service_code"),
    ({"lat": None, "long": None}, "location"),
    ({"long": None}, "lat and long"),
    ({"lat": "north"}, "numbers"),
    ({"phone": "12"}, "reporter.phone"),
    ({"media_url": "javascript:alert(1)"}, "attachments"),
])
def test_bad_input_is_400_in_the_envelope(post: Any, fmt: str, fields: dict[str, Any], word: str) -> None:
    resp = post(fmt, **fields)
    assert resp.status_code == 400, resp.text
    assert word in _assert_envelope(resp, fmt, 400)


def test_an_address_alone_is_a_location(post: Any, db: Session) -> None:
    resp = post(lat=None, long=None, address_string="西湖区北山街道某小区")
    assert resp.status_code == 200, resp.text
    assert _case(db, resp.json()[0]["service_request_id"]).address == "西湖区北山街道某小区"


def test_an_address_id_is_a_standard_address(post: Any, world: Any, db: Session) -> None:
    text = "浙江省杭州市西湖区北山街道保俶路10号"
    csv = f"标准地址,经度,纬度\n{text},120.1512,30.2655\n".encode()
    elements.import_file(db, world.subjects["admin"], ElementKind.ADDRESSES, csv, "a.csv")
    db.commit()
    address_id = db.scalar(select(StandardAddress.id).where(StandardAddress.text == text))
    resp = post(lat=None, long=None, address_id=str(address_id))
    assert resp.status_code == 200, resp.text
    case = _case(db, resp.json()[0]["service_request_id"])
    assert (case.address, case.lng, case.lat) == (text, pytest.approx(120.1512), pytest.approx(30.2655))
    for unknown in ("999999", "A-77", "9" * 30):
        assert post(lat=None, long=None, address_id=unknown).status_code == 400


def test_the_jurisdiction_is_the_city(post: Any) -> None:
    assert post(jurisdiction_id="3301").status_code == 200
    resp = post(jurisdiction_id="4401")
    assert resp.status_code == 404
    _assert_envelope(resp, "json", 404)


def _assert_envelope(resp: Any, fmt: str, code: int) -> str:
    if fmt == "json":
        validate(resp.json(), ERRORS)
        assert resp.json()[0]["code"] == code
        return str(resp.json()[0]["description"])
    root = ET.fromstring(resp.content)
    assert root.tag == "errors"
    assert root.findtext("error/code") == str(code)
    return root.findtext("error/description") or ""


def test_the_same_client_id_with_another_form_is_400(post: Any) -> None:
    assert post(service_request_id="app-50").status_code == 200
    resp = post(service_request_id="app-50", description="另一件事：路灯不亮")
    assert resp.status_code == 400
    _assert_envelope(resp, "json", 400)
