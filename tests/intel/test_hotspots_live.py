"""Live hot issues over the caller's cases: clustering, scoping, caching, bounds (window, cases), cockpit and API."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from intel_builders import at, file_on
from sqlalchemy import select
from sqlalchemy.orm import Session

from builders import OTHER_STREET, STREET, World
from cityloop.cases.models import Case
from cityloop.config import get_settings
from cityloop.intel.alerts.routes import router as alert_router
from cityloop.intel.hotspots import live as hot_issues
from cityloop.kit import clock
from cityloop.kit.errors import Forbidden, ValidationFailed

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
    clock.freeze(at(DAY, 20) + timedelta(minutes=1))
    assert hot_issues.current(db, sup) == first  # served from the cache
    hot_issues.clear_cache()
    assert new not in first[0]["case_ids"]
    assert new in hot_issues.current(db, sup)[0]["case_ids"]


def test_a_cached_result_expires_and_then_includes_new_cases(db: Session, world: World) -> None:
    seed(db, world)
    computed = at(DAY, 20)
    clock.freeze(computed)
    sup = world.subjects["supervisor"]
    first = hot_issues.ranked(db, sup, days=30)
    new = file_on(db, world, DAY, title=SAME[0][0], content=SAME[0][1],
                  location={"address": "北山街道幸福小区", "division_code": STREET})
    clock.freeze(computed + timedelta(seconds=hot_issues.CACHE_SECONDS - 1))
    assert hot_issues.ranked(db, sup, days=30) == first
    assert hot_issues.ranked(db, sup, days=7).considered == first.considered + 1  # another window: its own entry
    clock.freeze(computed + timedelta(seconds=hot_issues.CACHE_SECONDS + 1))
    fresh = hot_issues.ranked(db, sup, days=30)
    assert fresh.considered == first.considered + 1
    assert new in fresh.items[0]["case_ids"]
    assert fresh.computed_at > first.computed_at


def test_only_the_newest_cases_are_clustered_and_the_answer_says_so(db: Session, world: World,
                                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    ids = seed(db, world)  # SAME filed on DAY, DAY-1, DAY-2, DAY-3 (plus NOISE on DAY..DAY-2)
    sup = world.subjects["supervisor"]
    whole = hot_issues.ranked(db, sup, days=30, now=at(DAY, 20))
    assert (whole.considered, whole.truncated, whole.covered_from) == (7, False, None)
    monkeypatch.setenv("CITYLOOP_HOTSPOTS_MAX_CASES", "5")
    get_settings.cache_clear()
    cut = hot_issues.ranked(db, sup, days=30, now=at(DAY, 20))
    assert (cut.considered, cut.truncated) == (5, True)
    newest = sorted(db.scalars(select(Case.received_at)), reverse=True)
    assert cut.covered_from == newest[4]
    assert ids[3] not in {i for item in cut.items for i in item["case_ids"]}  # the oldest was left out


def test_the_window_is_bounded(db: Session, world: World) -> None:
    sup = world.subjects["supervisor"]
    with pytest.raises(ValidationFailed):
        hot_issues.ranked(db, sup, days=hot_issues.MAX_DAYS + 1)
    with pytest.raises(ValidationFailed):
        hot_issues.ranked(db, sup, days=0)
    assert hot_issues.ranked(db, sup, days=hot_issues.MAX_DAYS).items == []


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
    assert (body["considered"], body["truncated"], body["covered_from"]) == (7, False, None)
    assert set(body["items"][0]["case_ids"]) == set(ids)
    assert client.get("/api/v1/hotspots", params={"days": 0}, headers=auth("supervisor")).status_code == 422
    too_long = client.get("/api/v1/hotspots", params={"days": hot_issues.MAX_DAYS + 1}, headers=auth("supervisor"))
    assert too_long.status_code == 422
    assert "days" in too_long.json()["details"]["fields"]
    assert client.get("/api/v1/hotspots", headers=auth("handler")).status_code == 403
