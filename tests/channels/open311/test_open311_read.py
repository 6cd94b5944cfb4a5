"""GET endpoints in both formats: discovery, services, definitions, requests with filters, tokens; no PII."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from datetime import timedelta
from typing import Any

import pytest
from jsonschema import ValidationError
from o311_schemas import ERRORS, REQUESTS, SERVICE_DEFINITION, SERVICES, TOKENS, validate
from sqlalchemy.orm import Session

from builders import file_case
from cityloop.cases import workflow
from cityloop.cases.schemas import ActionIn
from cityloop.channels.open311 import service
from cityloop.kit import clock

BASE = "/open311/v2"
LEAVES = {"010101", "010201", "020101", "030101", "040101"}


def _xml(resp: Any, root: str) -> ET.Element:
    assert resp.status_code == 200, resp.text
    assert resp.headers["content-type"].startswith("text/xml")
    element = ET.fromstring(resp.content)
    assert element.tag == root
    return element


def _numbers(resp: Any) -> list[str]:
    assert resp.status_code == 200, resp.text
    validate(resp.json(), REQUESTS)
    return [r["service_request_id"] for r in resp.json()]


def test_discovery_in_both_formats(client: Any) -> None:
    body = client.get(f"{BASE}/discovery.json").json()
    assert body["endpoints"][0]["url"].endswith("/open311/v2/")
    assert body["endpoints"][0]["specification"] == "http://wiki.open311.org/GeoReport_v2"
    root = _xml(client.get(f"{BASE}/discovery.xml"), "discovery")
    assert [f.text for f in root.findall("endpoints/endpoint/formats/format")] == ["application/json", "text/xml"]


def test_services_are_the_taxonomy_leaves(client: Any, world: Any) -> None:
    body = client.get(f"{BASE}/services.json").json()
    validate(body, SERVICES)
    assert {s["service_code"] for s in body} == LEAVES
    lane = next(s for s in body if s["service_code"] == "010101")
    assert lane == {"service_code": "010101", "service_name": "占道经营",
                    "description": "市容环境 / 市容秩序 / 占道经营", "metadata": False,
                    "type": "realtime", "keywords": "摆摊,占道", "group": "市容环境"}
    root = _xml(client.get(f"{BASE}/services.xml"), "services")
    assert {s.findtext("service_code") for s in root.findall("service")} == LEAVES
    assert root.find("service/metadata").text == "false"  # type: ignore[union-attr]


def test_a_service_definition_in_both_formats(client: Any, world: Any) -> None:
    body = client.get(f"{BASE}/services/010101.json").json()
    validate(body, SERVICE_DEFINITION)
    assert body == {"service_code": "010101", "attributes": []}
    root = _xml(client.get(f"{BASE}/services/010101.xml"), "service_definition")
    assert [c.tag for c in root] == ["service_code", "attributes"]
    for path in ("services/999.json", "services/01.json"):  # unknown, or a domain rather than a leaf
        resp = client.get(f"{BASE}/{path}")
        assert resp.status_code == 404
        validate(resp.json(), ERRORS)
    missing = client.get(f"{BASE}/services/999.xml")
    assert ET.fromstring(missing.content).findtext("error/code") == "404"


def test_requests_in_both_formats_without_personal_data(client: Any, world: Any, db: Session, post: Any) -> None:
    number = post(**{"attribute[note]": "楼下302室"}).json()[0]["service_request_id"]
    file_case(db, world.subjects["agent"], content="张三家门口，电话13812345678，有人摆摊")
    listed = client.get(f"{BASE}/requests.json")
    assert len(_numbers(listed)) == 2
    mine = next(r for r in listed.json() if r["service_request_id"] == number)
    assert (mine["status"], mine["service_code"], mine["service_name"]) == ("open", "010101", "占道经营")
    assert mine["description"] == "小区门口有人占道摆摊，晚上很吵"
    assert (mine["lat"], mine["long"]) == (30.274, 120.155)  # coarse: a map pin, not a door
    xml = client.get(f"{BASE}/requests.xml")
    root = _xml(xml, "service_requests")
    assert {r.findtext("service_request_id") for r in root.findall("request")} == set(_numbers(listed))
    assert root.find("request/lat") is not None
    one = client.get(f"{BASE}/requests/{number}.json")
    assert _numbers(one) == [number]
    assert _xml(client.get(f"{BASE}/requests/{number}.xml"), "service_requests").findtext(
        "request/service_request_id") == number
    for resp in (listed, xml, one):
        text = resp.content.decode()
        for secret in ("13912345678", "13812345678", "139****5678", "张三", "三 张", "zhang@example.com", "302室",
                       "reporter", "phone"):
            assert secret not in text


def test_filters_by_id_service_and_status(client: Any, world: Any, db: Session) -> None:
    agent = world.subjects["agent"]
    lane = file_case(db, agent)
    rubbish = file_case(db, agent, category_code="010201", title="垃圾清运不及时")
    wrong = file_case(db, agent, category_code="040101", title="无效来电", content="测试无效来电内容")
    workflow.perform(db, world.subjects["dispatcher"], wrong.id, "invalidate", ActionIn(note="test"))
    hidden = file_case(db, agent, appeal_type="report", title="举报违建", content="有人违建，请保密")
    get = lambda **q: _numbers(client.get(f"{BASE}/requests.json", params=q))  # noqa: E731
    assert set(get()) == {lane.number, rubbish.number, wrong.number}  # a 举报 is never public
    assert get(service_request_id=f"{lane.number}, {rubbish.number},{hidden.number},nonsense") == \
        [rubbish.number, lane.number]
    assert get(service_code="010201") == [rubbish.number]
    assert set(get(service_code="010201,010101")) == {lane.number, rubbish.number}
    assert get(status="closed") == [wrong.number]
    assert set(get(status="open")) == {lane.number, rubbish.number}
    # The id overrides every other filter, as the spec says.
    assert get(service_request_id=wrong.number, status="open") == [wrong.number]
    hidden_one = client.get(f"{BASE}/requests/{hidden.number}.json")
    assert hidden_one.status_code == 404
    validate(hidden_one.json(), ERRORS)


def test_dates_default_to_the_last_90_days(client: Any, world: Any, db: Session) -> None:
    now = clock.utcnow()
    clock.freeze(now - timedelta(days=100))
    old = file_case(db, world.subjects["agent"])
    clock.freeze(None)
    new = file_case(db, world.subjects["agent"])
    get = lambda **q: _numbers(client.get(f"{BASE}/requests.json", params=q))  # noqa: E731
    assert get() == [new.number]
    day = (now - timedelta(days=100)).date()
    assert get(start_date=f"{day}T00:00:00+08:00") == [old.number]  # 90 days from the start
    assert get(start_date=f"{day}T00:00:00", end_date=f"{day + timedelta(days=2)}T00:00:00Z") == [old.number]
    assert get(end_date=(now - timedelta(days=50)).isoformat()) == [old.number]  # 90 days up to the end
    # An unencoded "+" in the offset arrives as a space.
    assert get(start_date=f"{day}T00:00:00 08:00") == [old.number]
    assert get(service_request_id=old.number) == [old.number]


@pytest.mark.parametrize("fmt", ["json", "xml"])
@pytest.mark.parametrize("query", [
    {"start_date": "2026-01-01T00:00:00Z", "end_date": "2026-06-01T00:00:00Z"},
    {"start_date": "2026-06-01T00:00:00Z", "end_date": "2026-01-01T00:00:00Z"},
    {"start_date": "yesterday"},
    {"status": "fixed"},
])
def test_bad_filters_are_400_in_the_envelope(client: Any, world: Any, fmt: str, query: dict[str, str]) -> None:
    resp = client.get(f"{BASE}/requests.{fmt}", params=query)
    assert resp.status_code == 400
    if fmt == "json":
        validate(resp.json(), ERRORS)
    else:
        assert ET.fromstring(resp.content).findtext("error/code") == "400"


def test_at_most_1000_results(client: Any, world: Any, db: Session, monkeypatch: pytest.MonkeyPatch) -> None:
    assert service.MAX_RESULTS == 1000
    monkeypatch.setattr(service, "MAX_RESULTS", 2)
    cases = [file_case(db, world.subjects["agent"]) for _ in range(3)]
    assert _numbers(client.get(f"{BASE}/requests.json")) == [cases[2].number, cases[1].number]


def test_tokens_in_both_formats(client: Any, post: Any) -> None:
    number = post().json()[0]["service_request_id"]
    body = client.get(f"{BASE}/tokens/{number}.json").json()
    validate(body, TOKENS)
    assert body == [{"service_request_id": number, "token": number}]
    root = _xml(client.get(f"{BASE}/tokens/{number}.xml"), "service_requests")
    assert root.findtext("request/token") == number
    assert client.get(f"{BASE}/tokens/nope.json").status_code == 404


@pytest.mark.parametrize("path", ["services.json", "requests.json", "discovery.xml", "servicerequestupdates.json"])
def test_another_jurisdiction_is_404(client: Any, world: Any, path: str) -> None:
    assert client.get(f"{BASE}/{path}", params={"jurisdiction_id": "3301"}).status_code == 200
    resp = client.get(f"{BASE}/{path}", params={"jurisdiction_id": "9999"})
    assert resp.status_code == 404
    if path.endswith(".json"):
        validate(resp.json(), ERRORS)
    else:
        assert ET.fromstring(resp.content).tag == "errors"


def test_an_unknown_format_is_404_in_the_json_envelope(client: Any, world: Any) -> None:
    resp = client.get(f"{BASE}/services.csv")
    assert resp.status_code == 404
    validate(resp.json(), ERRORS)


def test_xml_stays_readable_with_control_characters_in_a_title(client: Any, world: Any, db: Session) -> None:
    case = file_case(db, world.subjects["agent"], title="井盖\x0b缺失\x01")
    root = _xml(client.get(f"{BASE}/requests/{case.number}.xml"), "service_requests")
    assert root.findtext("request/description") == "井盖缺失"


def test_the_schemas_check_times_and_addresses() -> None:
    good = {"service_request_id": "1", "status": "open", "service_code": "x",
            "requested_datetime": "2026-12-04T09:30:00+08:00", "media_url": "https://img.example.com/1.jpg"}
    validate([good], REQUESTS)
    for bad in ({"requested_datetime": "2026-12-04 09:30"}, {"media_url": "not a url"}):
        with pytest.raises(ValidationError):
            validate([{**good, **bad}], REQUESTS)
