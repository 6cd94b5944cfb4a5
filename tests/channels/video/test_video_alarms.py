"""Video alarms: registry, thresholds, one open case per camera and class, false-alarm feedback."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select
from typer.testing import CliRunner

from cityloop.accounts import service as accounts
from cityloop.cases.models import CaseEvent
from cityloop.channels.video.service import CLASSES
from cityloop.cli import app
from cityloop.kit import clock
from cityloop.kit.auth import Role

CAMERAS = "camera_id,name,lng,lat\nCAM-001,北山街道口,120.15,30.26\nCAM-002,西湖大道,120.16,30.25\n"
SNAP = "https://video.example.gov.cn/snap/{n}.jpg"


@pytest.fixture
def key(db, world, tmp_path: Path) -> dict[str, str]:  # type: ignore[no-untyped-def]
    """Two cameras imported through the CLI, and the video platform's API key headers."""
    path = tmp_path / "cameras.csv"
    path.write_text(CAMERAS, encoding="utf-8")
    done = CliRunner().invoke(app, ["video", "cameras", "import", str(path)])
    assert done.exit_code == 0, done.output
    _key, secret = accounts.create_api_key(db, "video-platform", [Role.AGENT], "3301")
    db.commit()
    return {"X-API-Key": secret}


def _alarm(client, headers, camera: str = "CAM-001", event_class: str = "占道经营",  # type: ignore[no-untyped-def]
           confidence: float = 0.9, n: int = 1):
    body = {"camera_id": camera, "event_class": event_class, "confidence": confidence,
            "time": datetime.now(UTC).isoformat(), "snapshot_url": SNAP.format(n=n)}
    return client.post("/api/v1/alarms/video", json=body, headers=headers)


def test_an_alarm_becomes_a_video_case_with_its_snapshot(client, auth, key) -> None:
    resp = _alarm(client, key)
    assert resp.status_code == 200
    assert resp.json()["outcome"] == "opened"
    case = client.get(f"/api/v1/cases/{resp.json()['case_id']}", headers=auth("dispatcher")).json()
    assert case["channel"] == "video"
    assert "占道经营" in case["title"]
    assert "北山街道口" in case["title"]
    assert [a["url"] for a in case["attachments"]] == [SNAP.format(n=1)]


def test_a_storm_leaves_one_open_case_with_a_count_and_notes_at_most_once_a_minute(client, auth, db, key) -> None:
    start = clock.utcnow()
    clock.freeze(start)
    first = _alarm(client, key).json()
    answers = [_alarm(client, key, n=n).json() for n in range(2, 12)]
    assert {a["case_id"] for a in answers} == {first["case_id"]}
    assert {a["alarm_id"] for a in answers} == {
        first["alarm_id"]}
    assert [a["count"] for a in answers] == list(range(2, 12))
    assert {a["outcome"] for a in answers} == {"appended"}

    def notes() -> int:
        db.expire_all()
        return len(db.scalars(select(CaseEvent).where(CaseEvent.case_id == first["case_id"],
                                                      CaseEvent.action == "video_alarm")).all())

    assert notes() == 0  # all within the first minute
    clock.freeze(start + timedelta(seconds=61))
    _alarm(client, key, n=12)
    _alarm(client, key, n=13)
    assert notes() == 1
    total = client.get("/api/v1/cases", params={"channel": "video"}, headers=auth("dispatcher")).json()["total"]
    assert total == 1
    # Another class on the same camera, or the same class on another camera, is another episode.
    assert _alarm(client, key, event_class="暴露垃圾").json()["outcome"] == "opened"
    assert _alarm(client, key, camera="CAM-002").json()["outcome"] == "opened"


def test_below_the_class_threshold_nothing_is_filed(client, auth, key) -> None:
    threshold = float(CLASSES["违停"]["threshold"])
    resp = _alarm(client, key, event_class="违停", confidence=threshold - 0.01).json()
    assert resp == {"outcome": "below_threshold", "alarm_id": None, "case_id": None, "count": 0,
                    "threshold": threshold}
    assert client.get("/api/v1/cases", params={"channel": "video"}, headers=auth("dispatcher")).json()["total"] == 0


def test_unknown_cameras_and_classes_are_refused_clearly(client, key) -> None:
    resp = _alarm(client, key, camera="CAM-404")
    assert resp.status_code == 422
    field = resp.json()["details"]["fields"]["camera_id"]
    assert "CAM-404" in field["zh"]
    assert "CAM-404" in field["en"]
    assert "未登记" in field["zh"]
    resp = _alarm(client, key, event_class="外星人")
    assert resp.status_code == 422
    assert "外星人" in resp.json()["details"]["fields"]["event_class"]["en"]
    bad = client.post("/api/v1/alarms/video", headers=key, json={
        "camera_id": "CAM-001", "event_class": "违停", "confidence": 1.5, "time": "yesterday",
        "snapshot_url": "javascript:alert(1)"})
    assert bad.status_code == 422
    assert {"confidence", "time", "snapshot_url"} <= set(bad.json()["details"]["fields"])


def test_only_keys_post_alarms(client, auth, key) -> None:
    assert _alarm(client, auth("dispatcher")).status_code == 403
    assert _alarm(client, {}).status_code == 401


def test_a_false_alarm_raises_the_cameras_threshold_and_invalidates_the_case(client, auth, db, key) -> None:
    opened = _alarm(client, key, confidence=0.8).json()
    url = f"/api/v1/alarms/video/{opened['alarm_id']}/false"
    assert client.post(url, headers=auth("handler")).status_code == 403
    verdict = client.post(url, headers=auth("dispatcher"))
    assert verdict.status_code == 200, verdict.text
    body = verdict.json()
    assert body["case_id"] == opened["case_id"]
    assert body["threshold"] > 0.8
    case = client.get(f"/api/v1/cases/{opened['case_id']}", headers=auth("dispatcher")).json()
    assert body["invalidated"] == (case["state"] == "invalid")
    assert client.post(url, headers=auth("dispatcher")).status_code == 409
    # The same scene at the same confidence no longer files a case on this camera; other cameras keep the default.
    assert _alarm(client, key, confidence=0.8).json()["outcome"] == "below_threshold"
    assert _alarm(client, key, camera="CAM-002", confidence=0.8).json()["outcome"] == "opened"
    again = _alarm(client, key, confidence=0.99).json()
    assert again["outcome"] == "opened"
    assert again["case_id"] != opened["case_id"]


def test_a_case_waiting_for_dispatch_is_invalidated_by_the_verdict(client, auth, db, key) -> None:
    opened = _alarm(client, key, event_class="沿街晾挂").json()  # no category: nothing routes it, it waits
    case = client.get(f"/api/v1/cases/{opened['case_id']}", headers=auth("dispatcher")).json()
    assert case["state"] == "received"
    body = client.post(f"/api/v1/alarms/video/{opened['alarm_id']}/false", headers=auth("dispatcher")).json()
    assert body["invalidated"] is True
    case = client.get(f"/api/v1/cases/{opened['case_id']}", headers=auth("dispatcher")).json()
    assert case["state"] == "invalid"
    assert "误报" in case["history"][-1]["note"]


def test_a_closed_episode_lets_the_next_alarm_open_a_new_case(client, auth, db, key) -> None:
    first = _alarm(client, key, event_class="沿街晾挂").json()
    client.post(f"/api/v1/cases/{first['case_id']}/actions/invalidate", json={"note": "现场无此情况"},
                headers=auth("dispatcher"))
    second = _alarm(client, key, event_class="沿街晾挂").json()
    assert second["outcome"] == "opened"
    assert second["case_id"] != first["case_id"]


def test_a_bad_camera_file_is_refused_whole(db, world, tmp_path: Path) -> None:
    path = tmp_path / "cameras.csv"
    path.write_text("camera_id,name,lng,lat\nCAM-9,好,120.1,30.2\n,坏,999,x\n", encoding="utf-8")
    done = CliRunner().invoke(app, ["video", "cameras", "import", str(path)])
    assert done.exit_code == 1
    assert "lng" in done.output
    done = CliRunner().invoke(app, ["video", "cameras", "import", str(path), "--keep-good"])
    assert done.exit_code == 0
    assert '"created": 1' in done.output


def test_parallel_alarms_of_one_camera_and_class_make_one_case_and_lose_no_count(db, key) -> None:
    from concurrent.futures import ThreadPoolExecutor

    from cityloop.channels.video.models import Alarm
    from cityloop.channels.video.schemas import VideoAlarmIn
    from cityloop.channels.video.service import receive
    from cityloop.kit.auth import SYSTEM
    from cityloop.kit.db import get_sessionmaker

    def post(n: int) -> str:
        session = get_sessionmaker()()
        try:
            body = VideoAlarmIn(camera_id="CAM-001", event_class="乱堆物料", confidence=0.9,
                                time=datetime.now(UTC), snapshot_url=SNAP.format(n=n))
            return receive(session, SYSTEM, body).outcome
        finally:
            session.close()

    with ThreadPoolExecutor(max_workers=4) as pool:
        outcomes = list(pool.map(post, range(12)))
    assert outcomes.count("opened") == 1
    db.expire_all()
    (alarm,) = db.scalars(select(Alarm).where(Alarm.event_class == "乱堆物料")).all()
    assert alarm.count == 12
    assert alarm.case_id is not None
