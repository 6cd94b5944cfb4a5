"""Live hot issues over the caller's cases: clustering, scoping, caching, cockpit slot and API."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from intel_builders import at, file_on
from sqlalchemy.orm import Session

from builders import OTHER_STREET, STREET, World
from cityloop.intel.alerts.routes import router as alert_router
from cityloop.intel.hotspots import live as hot_issues
from cityloop.kit import clock
from cityloop.kit.errors import Forbidden

DAY = date(2024, 6, 12)
SAME = [("幸福小区垃圾堆积无人清运", "幸福小区东门垃圾堆积一周无人清运，臭味很大"),
        ("幸福小区东门垃圾没人清运", "幸福小区东门垃圾桶满了好几天没人清运"),
        ("投诉幸福小区垃圾清运不及时", "幸福小区垃圾清运不及时，蚊蝇滋生"),
        ("幸福小区垃圾堆积", "幸福小区门口垃圾堆积，希望尽快清运")]
NOISE = [("和平路井盖缺失", "和平路128号门口井盖缺失，很危险"),
         ("学院路夜间施工扰民", "学院路工地夜间施工噪音很大"),
         ("光明菜市场占道经营", "光明菜市场门口摊贩占道经营")]


def seed(db: Session, w: World, division: str = STREET) -> list[int]:
    """Four callers about one estate's rubbish over four days, plus unrelated cases; returns the four ids."""
    ids = [file_on(db, w, DAY - timedelta(days=i), division, title=t, content=c,
                   location={"address": "北山街道幸福小区", "division_code": division})
           for i, (t, c) in enumerate(SAME)]
    for i, (t, c) in enumerate(NOISE):
        file_on(db, w, DAY - timedelta(days=i), division, title=t, content=c)
    return ids


@pytest.fixture(autouse=True)
def _fresh_cache() -> None:
    hot_issues.clear_cache()


def test_cases_about_the_same_problem_form_the_top_issue(db: Session, world: World) -> None:
    ids = seed(db, world)
    found = hot_issues.hot_issues(db, world.subjects["supervisor"], days=30, now=at(DAY, 20))
    assert found, "expected a hot issue"
    top = found[0]
    assert set(top["case_ids"]) == set(ids)
    assert top["rank"] == 1
    assert "幸福小区" in top["place"] + top["description"]
    assert top["n_reporters"] == 4
    assert top["count"] == 4
    assert top["label"]


def test_scoping(db: Session, world: World) -> None:
    seed(db, world, OTHER_STREET)
    assert hot_issues.hot_issues(db, world.subjects["other_dispatcher"], now=at(DAY, 20))
    assert hot_issues.hot_issues(db, world.subjects["supervisor"], division_code=STREET, now=at(DAY, 20)) == []
    with pytest.raises(Forbidden):
        hot_issues.hot_issues(db, world.subjects["handler"])


def test_results_are_cached_per_scope_and_window(db: Session, world: World) -> None:
    seed(db, world)
    clock.freeze(at(DAY, 20))
    sup = world.subjects["supervisor"]
    first = hot_issues.current(db, sup)
    assert first
    new = file_on(db, world, DAY, title=SAME[0][0], content=SAME[0][1],
            location={"address": "北山街道幸福小区", "division_code": STREET})
    clock.freeze(at(DAY, 21))
    assert hot_issues.current(db, sup) == first  # served from the cache
    hot_issues.clear_cache()
    assert new not in first[0]["case_ids"]
    assert new in hot_issues.current(db, sup)[0]["case_ids"]


def test_cockpit_slot_shape(db: Session, world: World) -> None:
    """The cockpit's hot list reads label/title and count/received from each dict, and needs JSON values."""
    import json

    seed(db, world)
    clock.freeze(at(DAY, 20))
    item = hot_issues.current(db, world.subjects["leader"])[0]
    assert item["label"]
    assert isinstance(item["count"], int)
    json.dumps(item)


def test_api(client: TestClient, auth: Any, db: Session, world: World) -> None:
    if not any(getattr(r, "path", "") == "/api/v1/hotspots" for r in client.app.routes):  # type: ignore[attr-defined]
        client.app.include_router(alert_router)  # type: ignore[attr-defined]
    ids = seed(db, world)
    clock.freeze(at(DAY, 20))
    resp = client.get("/api/v1/hotspots", params={"division_code": STREET, "days": 30}, headers=auth("supervisor"))
    assert resp.status_code == 200, resp.text
    body = resp.json()
    assert body["days"] == 30
    assert set(body["items"][0]["case_ids"]) == set(ids)
    assert client.get("/api/v1/hotspots", params={"days": 0}, headers=auth("supervisor")).status_code == 422
    assert client.get("/api/v1/hotspots", headers=auth("handler")).status_code == 403
