"""The dispatch queue's hints: when dispatch is due and which units to send a waiting case to, best first."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy.orm import Session

from builders import DISTRICT, case_in
from cityloop.cases import intake
from cityloop.cases.schemas import CaseIn
from cityloop.kit import clock

MONDAY_10 = datetime(2025, 3, 3, 2, 0, tzinfo=UTC)  # 10:00 in Shanghai


@pytest.fixture
def candidates(world) -> Iterator[dict[str, object]]:  # type: ignore[no-untyped-def]
    """A suggester that answers like the classifiers: candidate categories and a unit guess, nothing applied."""
    evidence: dict[str, object] = {
        "candidates": [{"code": "010201", "probability": 0.8}, {"code": "020101", "probability": 0.15},
                       {"code": "999999", "probability": 0.05}],
        "suggested_units": [{"unit_id": world.units["street"].id, "probability": 0.4}],
    }

    def suggest(_session: Session, _data: CaseIn) -> tuple[str | None, dict[str, object]]:
        return None, evidence

    intake.suggesters.insert(0, suggest)
    yield evidence
    intake.suggesters.remove(suggest)


def _file_waiting(client, auth, **overrides: object) -> dict[str, object]:  # type: ignore[no-untyped-def]
    body = case_in(category_code=None, location={"division_code": DISTRICT}, **overrides)
    resp = client.post("/api/v1/cases", json=body.model_dump(mode="json", exclude_none=True), headers=auth("agent"))
    assert resp.status_code == 201, resp.text
    assert resp.json()["state"] == "received"
    return resp.json()  # type: ignore[no-any-return]


def _queue(client, auth) -> list[dict[str, object]]:  # type: ignore[no-untyped-def]
    resp = client.get("/api/v1/cases", params={"state": "received"}, headers=auth("dispatcher"))
    assert resp.status_code == 200
    return resp.json()["items"]  # type: ignore[no-any-return]


def test_units_from_the_responsibility_list_for_candidate_categories_rank_with_the_model(
        client, auth, world, candidates) -> None:
    clock.freeze(MONDAY_10)
    filed = _file_waiting(client, auth)
    [item] = _queue(client, auth)
    assert item["id"] == filed["id"]
    units = item["suggested_units"]
    assert [u["unit_id"] for u in units] == [world.units["chengguan"].id, world.units["street"].id,
                                             world.units["zhujian"].id]
    assert [u["name"] for u in units] == ["西湖区城管局", "北山街道办", "西湖区住建局"]
    assert [u["score"] for u in units] == [0.8, 0.4, 0.15]
    assert [u["source"] for u in units] == ["rule", "model", "rule"]


def test_dispatch_due_at_is_the_dispatch_limit_in_working_minutes(client, auth, world) -> None:
    clock.freeze(MONDAY_10)
    _file_waiting(client, auth)
    [item] = _queue(client, auth)
    due = datetime.fromisoformat(str(item["dispatch_due_at"]))
    assert due == MONDAY_10 + timedelta(minutes=30)
    assert item["suggested_units"] == []


def test_a_returned_case_counts_its_dispatch_limit_from_the_approved_return(client, auth, world) -> None:
    clock.freeze(MONDAY_10)
    filed = _file_waiting(client, auth)
    path = f"/api/v1/cases/{filed['id']}/actions"
    ok = client.post(f"{path}/dispatch", json={"unit_id": world.units["chengguan"].id}, headers=auth("dispatcher"))
    assert ok.status_code == 200, ok.text
    clock.freeze(MONDAY_10 + timedelta(hours=2))
    assert client.post(f"{path}/return", json={"note": "不属于本单位职责"}, headers=auth("handler")).status_code == 200
    assert client.post(f"{path}/approve_return", json={}, headers=auth("dispatcher")).status_code == 200
    [item] = _queue(client, auth)
    assert datetime.fromisoformat(str(item["dispatch_due_at"])) == MONDAY_10 + timedelta(hours=2, minutes=30)


def test_dispatched_cases_and_citizens_get_no_dispatch_hints(client, auth, world, candidates) -> None:
    filed = _file_waiting(client, auth)
    path = f"/api/v1/cases/{filed['id']}"
    client.post(f"{path}/actions/dispatch", json={"unit_id": world.units["chengguan"].id}, headers=auth("dispatcher"))
    seen = client.get(path, headers=auth("dispatcher")).json()
    assert (seen["dispatch_due_at"], seen["suggested_units"]) == (None, [])
    mine = client.post("/api/v1/cases", json=case_in(category_code=None, channel="web").model_dump(
        mode="json", exclude_none=True), headers=auth("citizen"))
    assert mine.status_code == 201, mine.text
    assert mine.json()["state"] == "received"
    assert (mine.json()["dispatch_due_at"], mine.json()["suggested_units"]) == (None, [])
