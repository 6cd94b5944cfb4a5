"""IoT over the real Mosquitto: a breach becomes one iot case; a storm of breaches leaves exactly one open case."""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import paho.mqtt.client as mqtt
import pytest
from paho.mqtt.enums import CallbackAPIVersion
from sqlalchemy import func, select
from typer.testing import CliRunner

from cityloop.cases.models import Case, CaseEvent
from cityloop.channels.iot.models import Alarm, Reading
from cityloop.channels.iot.worker import Ingest, broker_answers, parse
from cityloop.cli import app

URL = "mqtt://127.0.0.1:1883"
pytestmark = pytest.mark.skipif(not broker_answers(URL), reason="Mosquitto is not running on 127.0.0.1:1883")


@pytest.fixture
def device(engine, tmp_path: Path) -> str:  # type: ignore[no-untyped-def]
    """One water-level sensor imported through the CLI (a unique id per test: the broker is shared)."""
    device_id = f"WL-{uuid.uuid4().hex[:8]}"
    path = tmp_path / "devices.csv"
    path.write_text("device_id,kind,metric,unit,threshold_high,lng,lat,hysteresis\n"
                    f"{device_id},water_level,level,cm,30,120.15,30.26,2\n", encoding="utf-8")
    done = CliRunner().invoke(app, ["iot", "devices", "import", str(path)])
    assert done.exit_code == 0, done.output
    return device_id


@pytest.fixture
def ingest(engine) -> Iterator[Ingest]:  # type: ignore[no-untyped-def]
    """The ingest worker subscribed to the real broker."""
    # A group of its own: no other subscriber on the shared broker may take this test's readings.
    worker = Ingest(URL, client_id=f"test-{uuid.uuid4().hex[:8]}", group=f"test-{uuid.uuid4().hex[:8]}")
    worker.start()
    time.sleep(0.5)  # let the subscription settle before publishing
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
    raise AssertionError("condition not met in time")


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
