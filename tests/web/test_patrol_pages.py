"""Patrol pages: the worker's points for today, a check-in from the form, a scanned tag, coverage and tag sheet."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy.orm import Session
from web_helpers import post

from cityloop.gridwork.checkins import tags
from cityloop.gridwork.points import service as points
from cityloop.kit import clock
from cityloop.kit.auth import SYSTEM

NOW = datetime(2025, 3, 3, 2, 0, tzinfo=UTC)


@pytest.fixture
def patrol(db: Session, world) -> None:  # type: ignore[no-untyped-def]
    """Three points: P001 daily and P002 weekly for the grid worker, P003 for the administrator."""
    points.import_file(db, SYSTEM, ("point_id,name,lng,lat,cycle_days,worker\n"
                                    "P001,北山街道1号井盖,120.1500,30.2600,1,grid_worker\n"
                                    "P002,西湖边河段,120.1600,30.2700,7,grid_worker\n"
                                    "P003,拱墅区菜场,120.1700,30.3000,1,admin\n").encode(), "points.csv")


def test_the_worker_checks_in_from_the_phone_page(as_user, patrol) -> None:
    clock.freeze(NOW)
    c = as_user("grid_worker")
    page = c.get("/grid/patrol").text
    assert 'data-point="P001"' in page
    assert 'data-point="P003"' not in page  # another worker's point
    r = post(c, "/grid/patrol/checkin", {"point_id": "P001", "lng": "120.1501", "lat": "30.2601",
                                         "at": NOW.isoformat(), "result": "ok", "key": "form-1"})
    assert r.headers["location"] == "/grid/patrol?done=P001"
    assert "今日已巡" in c.get("/grid/patrol").text.split('id="pt-P001"')[1].split("</article>")[0]
    far = post(c, "/grid/patrol/checkin", {"point_id": "P002", "lng": "121.0", "lat": "30.2601",
                                           "at": NOW.isoformat(), "result": "ok", "key": "form-2"})
    assert far.status_code == 422
    assert "打卡范围" in far.text


def test_a_scanned_tag_opens_its_point_and_a_forged_one_says_so(as_user, patrol) -> None:
    c = as_user("grid_worker")
    good = c.get("/grid/patrol", params={"tag": tags.token_for("P002")}).text
    assert 'name="token"' in good.split('id="pt-P002"')[1].split("</article>")[0]
    assert "点位标签无效" in c.get("/grid/patrol", params={"tag": "P002.bad"}).text


def test_coverage_page_lists_misses_first_and_the_tag_sheet_has_qr_codes(as_user, patrol) -> None:
    clock.freeze(NOW + timedelta(days=1))
    c = as_user("supervisor")
    page = c.get("/grid/coverage", params={"day": "2025-03-03"}).text
    rows = page.split('id="coverage"')[1]
    flags = [part.split('"')[0] for part in rows.split('data-missed="')[1:]]
    assert flags == ["true", "true", "true"]  # nobody patrolled on the 3rd: every point is a miss
    sheet = c.get("/grid/points/tags").text
    assert sheet.count("<svg") == 3
    assert as_user("handler").get("/grid/coverage").status_code == 403


def test_the_cockpit_has_a_grid_work_panel_and_appraisal_downloads(as_user, patrol) -> None:
    clock.freeze(NOW)
    leader = as_user("leader")
    assert "/grid/cockpit-panel" in leader.get("/cockpit").text
    panel = leader.get("/grid/cockpit-panel", headers={"HX-Request": "true"}).text
    assert 'data-key="patrol_missed"' in panel
    assert "<b class=\"red\">3</b>" in panel  # nobody patrolled yesterday: all three points missed
    assert leader.get("/cockpit/data").json()["gridwork"]["missed"] == 3
    page = leader.get("/grid/appraisal", params={"month": "2025-03"}).text
    assert 'data-user="grid_worker"' in page
    xlsx = leader.get("/grid/appraisal", params={"month": "2025-03", "fmt": "xlsx"})
    assert xlsx.headers["content-disposition"].endswith('grid-appraisal-2025-03.xlsx"')
    assert xlsx.content[:2] == b"PK"
