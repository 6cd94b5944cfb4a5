"""One phone rule for the API, the portal and the desk: 12345 is refused everywhere, naming the field."""

from __future__ import annotations

from sqlalchemy import func, select

from builders import case_in
from cityloop.cases.models import Case


def _payload(phone: str) -> dict[str, object]:
    body = case_in().model_dump(mode="json", exclude_none=True)
    body["reporter"] = {"phone": phone}
    return body


def test_the_api_refuses_a_citizen_phone_12345_naming_the_field(client, db, world, auth) -> None:
    resp = client.post("/api/v1/cases", json=_payload("12345"), headers=auth("citizen"))
    assert resp.status_code == 422
    field = resp.json()["details"]["fields"]["reporter.phone"]
    assert "手机号" in field["zh"]
    assert "mobile" in field["en"]
    assert db.scalar(select(func.count()).select_from(Case)) == 0


def test_the_api_stores_a_spaced_mobile_as_digits_so_the_caller_history_finds_it(client, db, world, auth) -> None:
    resp = client.post("/api/v1/cases", json=_payload("138 1234 5678"), headers=auth("agent"))
    assert resp.status_code in (200, 201), resp.text
    found = client.get("/api/v1/cases", params={"phone": "13812345678"}, headers=auth("agent"))
    assert found.status_code == 200
    assert [c["number"] for c in found.json()["items"]] == [resp.json()["number"]]
