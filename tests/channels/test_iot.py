"""IoT over the real Mosquitto: a breach becomes one iot case; a storm of breaches leaves exactly one open case."""

from __future__ import annotations

import html
import json
import re
import time
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import paho.mqtt.client as mqtt
import pytest
from paho.mqtt.enums import CallbackAPIVersion
from sqlalchemy import func, insert, select
from typer.testing import CliRunner

from cityloop.cases.models import Case, CaseEvent
from cityloop.channels.iot import service
from cityloop.channels.iot.models import Alarm, HourlyReading, Reading, Sensor
from cityloop.channels.iot.worker import Ingest, broker_answers, parse
from cityloop.cli import app
from cityloop.kit.clock import utcnow

URL = "mqtt://127.0.0.1:1883"
pytestmark = pytest.mark.skipif(not broker_answers(URL), reason="Mosquitto is not running on 127.0.0.1:1883")


@pytest.fixture
def device(engine, tmp_path: Path) -> str:  # type: ignore[no-untyped-def]
    """One water-level sensor imported through the CLI (a unique id per test: the broker is shared)."""
    device_id = f"WL-{uuid.uuid4().hex[:8]}"
    path = tmp_path / "devices.csv"
    path.write_text("device_id,kind,metric,unit,threshold_high,lng,lat,hysteresis,offline_minutes\n"
                    f"{device_id},water_level,level,cm,30,120.15,30.26,2,15\n", encoding="utf-8")
    done = CliRunner().invoke(app, ["iot", "devices", "import", str(path)])
    assert done.exit_code == 0, done.output
    return device_id


@pytest.fixture
def ingest(engine) -> Iterator[Ingest]:  # type: ignore[no-untyped-def]
    """The ingest worker subscribed to the real broker."""
    # A group of its own: no other subscriber on the shared broker may take this test's readings.
    worker = Ingest(URL, client_id=f"test-{uuid.uuid4().hex[:8]}", group=f"test-{uuid.uuid4().hex[:8]}")
    worker.start()
    assert worker.subscribed.wait(30)  # publish only once the broker routes the topic to us
    yield worker
    worker.stop()


def _publish(device_id: str, values: list[float]) -> None:
    client = mqtt.Client(CallbackAPIVersion.VERSION2)
    client.connect("127.0.0.1", 1883)
    client.loop_start()
    for value in values:
        body = {"metric": "level", "value": value, "ts": datetime.now(UTC).isoformat()}
        client.publish(f"cityloop/devices/{device_id}/telemetry", json.dumps(body), qos=1).wait_for_publish()
    client.publish(f"cityloop/devices/{device_id}/telemetry", b"{not json", qos=1).wait_for_publish()
    client.loop_stop()
    client.disconnect()


def _until(check, seconds: float = 10.0) -> None:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if check():
            return
        time.sleep(0.1)
    raise AssertionError(f"condition not met in {seconds} s")


def test_a_storm_of_breaches_leaves_one_open_case_and_recovery_is_noted(client, auth, db, world, device,
                                                                       ingest) -> None:
    _publish(device, [12.0, 35.5])
    _until(lambda: client.get("/api/v1/cases", params={"channel": "iot"}, headers=auth("dispatcher")).json()["total"])
    _publish(device, [40.0 + i * 0.1 for i in range(100)])
    _until(lambda: ingest.counts["stored"] >= 102)
    cases = client.get("/api/v1/cases", params={"channel": "iot"}, headers=auth("dispatcher")).json()
    assert cases["total"] == 1
    assert device in cases["items"][0]["title"]
    db.expire_all()
    [alarm] = db.scalars(select(Alarm)).all()
    assert (alarm.open_key is not None, alarm.breaches, alarm.peak) == (True, 101, pytest.approx(49.9))
    _publish(device, [29.0])  # inside the threshold but within the 2 cm hysteresis: still open
    _until(lambda: ingest.counts["stored"] >= 103)
    db.expire_all()
    assert db.scalar(select(Alarm)).open_key is not None
    _publish(device, [20.0])
    _until(lambda: ingest.counts["stored"] >= 104)
    db.expire_all()
    assert db.scalar(select(Alarm)).recovered_at is not None
    actions = set(db.scalars(select(CaseEvent.action).where(CaseEvent.case_id == alarm.case_id)))
    assert "iot_recovered" in actions
    assert db.scalar(select(func.count()).select_from(Reading)) == 104
    assert ingest.counts["malformed"] >= 4
    assert db.scalar(select(func.count()).select_from(Case)) == 1
    assert db.scalar(select(Sensor.offline_minutes).where(Sensor.device_id == device)) == 15


def test_unknown_devices_and_bad_payloads_are_counted_and_never_stop_the_worker(db, device, ingest) -> None:
    _publish(f"NOPE-{uuid.uuid4().hex[:6]}", [99.0])
    _until(lambda: ingest.counts["unknown_device"] >= 1 and ingest.counts["malformed"] >= 1)
    _publish(device, [31.0])
    _until(lambda: ingest.counts["stored"] >= 1)
    assert ingest.thread.is_alive()


@pytest.mark.parametrize("payload", [b"[]", b'{"metric": 1, "value": 2}', b'{"metric": "x", "value": true}',
                                     b'{"metric": "x", "value": 1, "ts": "yesterday"}', b"\xff"])
def test_malformed_payloads_are_refused(payload: bytes) -> None:
    with pytest.raises((ValueError, UnicodeDecodeError)):
        parse("cityloop/devices/D1/telemetry", payload)


def _sensor(db, device_id: str, division: str = "3301", metric: str = "level", **extra) -> Sensor:  # type: ignore[no-untyped-def]
    sensor = Sensor(device_id=device_id, kind="water_level", metric=metric, unit="cm", threshold_high=30.0,
                    hysteresis=2.0, lng=120.15, lat=30.26, division_code=division, **extra)
    db.add(sensor)
    db.commit()
    return sensor


def test_a_silent_device_raises_one_offline_case_and_its_next_reading_recovers_it(db, world) -> None:
    now = utcnow()
    quiet = _sensor(db, "OFF-1", last_seen_at=now - timedelta(minutes=40))
    _sensor(db, "OFF-1", metric="temp", last_seen_at=now - timedelta(minutes=45))  # one device, two metrics
    _sensor(db, "PATIENT", last_seen_at=now - timedelta(minutes=40), offline_minutes=120)
    _sensor(db, "FRESH", last_seen_at=now - timedelta(minutes=5))
    # A worker that started listening 10 minutes ago has not seen 30 silent minutes of anyone yet.
    assert service.check_offline(db, now, listening_since=now - timedelta(minutes=10)) == []
    [case_id] = service.check_offline(db, now)
    assert service.check_offline(db, now + timedelta(minutes=10)) == []  # one open offline alarm per device
    [alarm] = db.scalars(select(Alarm)).all()
    assert (alarm.kind, alarm.offline_key, alarm.case_id) == ("offline", "OFF-1", case_id)
    case = db.get(Case, case_id)
    assert case is not None
    assert "OFF-1" in case.title
    assert case.channel == "iot"
    service.ingest_batch(db, [(quiet, 12.0, now)])
    db.expire_all()
    alarm = db.scalars(select(Alarm)).one()
    assert alarm.offline_key is None
    assert alarm.recovered_at is not None
    assert "iot_online" in set(db.scalars(select(CaseEvent.action).where(CaseEvent.case_id == case_id)))
    assert service.check_offline(db, now + timedelta(minutes=1)) == []
    # Silent again later: a new episode, a new case.
    service.check_offline(db, now + timedelta(minutes=31))
    assert len(db.scalars(select(Alarm).where(Alarm.sensor_id == quiet.id)).all()) == 2


def test_readings_past_retention_are_rolled_into_hours_and_deleted(db, world, tmp_path: Path) -> None:
    sensor = _sensor(db, "RET-1")
    now = datetime(2026, 12, 4, 12, 30, tzinfo=UTC)
    old = datetime(2026, 10, 1, 8, 0, tzinfo=UTC)
    values = [(old + timedelta(minutes=10), 1.0), (old + timedelta(minutes=20), 3.0),
              (old + timedelta(minutes=70), 5.0), (now - timedelta(days=2), 7.0)]
    db.execute(insert(Reading), [{"sensor_id": sensor.id, "ts": ts, "value": v} for ts, v in values])
    db.commit()
    done = service.compact(db, now, days=30)
    assert (done.readings, done.hours) == (3, 2)
    hourly = db.scalars(select(HourlyReading).order_by(HourlyReading.hour))
    rows = [(h.hour, h.count, h.min, h.max, h.avg) for h in hourly]
    assert rows == [(old, 2, 1.0, 3.0, 2.0), (old + timedelta(hours=1), 1, 5.0, 5.0, 5.0)]
    assert list(db.scalars(select(Reading.value))) == [7.0]
    # A late reading of an hour already rolled up is merged into that hour's row.
    db.execute(insert(Reading), [{"sensor_id": sensor.id, "ts": old + timedelta(minutes=30), "value": 8.0}])
    db.commit()
    assert service.compact(db, now, days=30) == service.Compaction(readings=1, hours=1)
    db.expire_all()
    first = db.scalars(select(HourlyReading).order_by(HourlyReading.hour)).first()
    assert first is not None
    assert (first.count, first.min, first.max, first.avg) == (3, 1.0, 8.0, 4.0)
    done_cli = CliRunner().invoke(app, ["iot", "compact", "--days", "1"])
    assert done_cli.exit_code == 0, done_cli.output
    assert json.loads(done_cli.output) == {"readings": 1, "hours": 1}
    assert db.scalar(select(func.count()).select_from(Reading)) == 0


def test_device_pages_show_status_values_chart_and_alarms_in_the_callers_area(db, world) -> None:
    from fastapi.testclient import TestClient

    from builders import PASSWORD
    from cityloop.app import create_app
    from cityloop.web.security import CSRF_COOKIE

    def login(browser: TestClient, username: str) -> None:
        browser.get("/login")
        done = browser.post("/login", data={"username": username, "password": PASSWORD,
                                            "csrf_token": browser.cookies[CSRF_COOKIE]}, follow_redirects=False)
        assert done.status_code == 303, done.text

    now = utcnow()
    mine = _sensor(db, "WL-WEST", division="330106", last_seen_at=now)
    _sensor(db, "WL-NORTH", division="330105", last_seen_at=now - timedelta(hours=2))
    service.ingest_batch(db, [(mine, 12.5, now - timedelta(minutes=3)), (mine, 31.75, now - timedelta(minutes=1))])
    service.check_offline(db, now)
    alarm = db.scalars(select(Alarm).where(Alarm.sensor_id == mine.id)).one()
    with TestClient(create_app()) as browser:
        login(browser, "handler")  # scope 330106: sees WL-WEST only
        page = browser.get("/iot/devices")
        assert page.status_code == 200
        assert 'data-device="WL-WEST" data-status="breach"' in page.text
        assert "31.75cm" in page.text
        assert "WL-NORTH" not in page.text
        assert browser.get("/iot/devices/WL-NORTH").status_code == 404
        detail = browser.get("/iot/devices/WL-WEST")
        assert detail.status_code == 200
        [raw] = re.findall(r'data-series="([^"]*)"', detail.text)
        [series] = json.loads(html.unescape(raw))
        assert (series["metric"], series["high"]) == ("level", 30.0)
        assert [v for _ts, v in series["points"]] == [12.5, 31.75]
        assert "31.75cm" in detail.text  # the latest readings table (no script needed)
        assert f'href="/cases/{alarm.case_id}"' in detail.text
        assert 'src="/static/vendor/echarts.min.js"' in detail.text
    with TestClient(create_app()) as browser:
        login(browser, "dispatcher")  # the whole city: the other district's device is offline
        page = browser.get("/iot/devices?status=offline")
        assert 'data-device="WL-NORTH" data-status="offline"' in page.text
        assert "WL-WEST" not in page.text
    with TestClient(create_app()) as browser:
        login(browser, "citizen")
        assert browser.get("/iot/devices", follow_redirects=False).status_code in {303, 403}


def test_a_burst_beyond_the_brokers_queue_is_stored_in_full(engine, device) -> None:  # type: ignore[no-untyped-def]
    # The network thread stalls on the first message (as it did behind database work): the broker keeps the backlog
    # in flight to us (Receive Maximum) instead of dropping what exceeds its 20 in flight + 1,000 queued.
    worker = Ingest(URL, client_id=f"test-{uuid.uuid4().hex[:8]}", group=f"test-{uuid.uuid4().hex[:8]}")
    take = worker.client.on_message
    stalled = []

    def slow_first(client, userdata, message):  # type: ignore[no-untyped-def]
        if not stalled:
            stalled.append(True)
            time.sleep(2.0)
        take(client, userdata, message)

    worker.client.on_message = slow_first
    worker.start()
    assert worker.subscribed.wait(30)
    try:
        sender = mqtt.Client(CallbackAPIVersion.VERSION2)
        sender.max_inflight_messages_set(1000)
        sender.connect("127.0.0.1", 1883)
        sender.loop_start()
        body = json.dumps({"metric": "level", "value": 10.0}).encode()
        for _ in range(3000):
            last = sender.publish(f"cityloop/devices/{device}/telemetry", body, qos=1)
        last.wait_for_publish()
        sender.loop_stop()
        sender.disconnect()
        # A liveness bound, not a speed check: with 60 s it failed once while other work saturated the machine.
        _until(lambda: worker.counts["stored"] >= 3000, seconds=240)
        assert (worker.counts["stored"], worker.counts["received"]) == (3000, 3000)
    finally:
        worker.stop()


def test_the_worker_runs_the_offline_check_on_its_schedule(db, world) -> None:
    _sensor(db, "OFF-W", last_seen_at=utcnow() - timedelta(minutes=90))
    worker = Ingest(URL)  # not started: the periodic jobs are called as its thread would
    worker._periodic()
    assert worker.counts["offline_opened"] == 1
    worker._periodic()  # not due again yet
    assert db.scalar(select(func.count()).select_from(Alarm)) == 1
