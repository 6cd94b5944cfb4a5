"""IoT readings through the broker into CityLoop against a bare paho subscriber that only counts, same run.

Prints ONE JSON object. A publisher process sends M readings (QoS 1) for S sensors spread over the topics; phase 1
counts them with a bare subscriber, phase 2 runs the ingest worker (parse, batch insert, thresholds, alarm rules) on
a fresh migrated database; both rates are readings per second from the first to the last one handled. Phase 3
publishes breaches of B new sensors one by one and times each from publish to its case being stored (p50/p99).
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import tempfile
import threading
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import paho.mqtt.client as mqtt
from _common import emit, fresh_database, migrate, percentile
from paho.mqtt.enums import CallbackAPIVersion

HOST, PORT = "127.0.0.1", 1883


def publish(prefix: str, sensors: int, count: int, value: float) -> None:
    """Send `count` readings round-robin over the sensors (in a child process)."""
    client = mqtt.Client(CallbackAPIVersion.VERSION2, client_id=f"bench-pub-{uuid.uuid4().hex[:6]}")
    client.max_inflight_messages_set(1000)
    client.connect(HOST, PORT)
    client.loop_start()
    last = None
    for i in range(count):
        body = json.dumps({"metric": "level", "value": value, "ts": datetime.now(UTC).isoformat()})
        last = client.publish(f"cityloop/devices/{prefix}{i % sensors:05d}/telemetry", body, qos=1)
    if last is not None:
        last.wait_for_publish()
    client.loop_stop()
    client.disconnect()


def _send(prefix: str, sensors: int, count: int, value: float) -> multiprocessing.Process:
    proc = multiprocessing.Process(target=publish, args=(prefix, sensors, count, value))
    proc.start()
    return proc


def bare_rate(count: int, sensors: int) -> dict[str, float]:
    """Readings per second a subscriber that only counts receives."""
    seen = {"n": 0, "first": 0.0, "last": 0.0}
    done = threading.Event()

    def on_message(_c: Any, _u: Any, _m: Any) -> None:
        now = time.perf_counter()
        seen["first"] = seen["first"] or now
        seen["n"] += 1
        seen["last"] = now
        if seen["n"] >= count:
            done.set()

    from cityloop.channels.iot.worker import connect_properties

    sub = mqtt.Client(CallbackAPIVersion.VERSION2, protocol=mqtt.MQTTv5)
    sub.on_message = on_message
    # Connected like the ingest worker (same Receive Maximum): otherwise the broker drops what exceeds its 20
    # in flight + 1,000 queued, and the baseline counts fewer readings than were sent.
    sub.connect(HOST, PORT, properties=connect_properties())
    sub.subscribe(f"$share/bare-{uuid.uuid4().hex[:6]}/cityloop/devices/+/telemetry", qos=1)
    sub.loop_start()
    time.sleep(0.5)
    proc = _send("BARE", sensors, count, 10.0)
    done.wait(timeout=300)
    proc.join()
    sub.loop_stop()
    sub.disconnect()
    span = max(seen["last"] - seen["first"], 1e-9)
    return {"bare_readings": seen["n"], "bare_per_s": round(seen["n"] / span, 1)}


def ingest_rate(count: int, sensors: int) -> tuple[dict[str, Any], Any]:
    """Readings per second the ingest worker stores with the rules applied."""
    from cityloop.channels.iot.worker import Ingest

    worker = Ingest(f"mqtt://{HOST}:{PORT}", group=f"bench-{uuid.uuid4().hex[:6]}")
    worker.start()
    time.sleep(0.5)
    proc = _send("DEV", sensors, count, 10.0)
    start = time.perf_counter()
    first = None
    while worker.counts["stored"] + worker.counts["failed"] < count and time.perf_counter() - start < 300:
        if first is None and worker.counts["received"]:
            first = time.perf_counter()
        time.sleep(0.01)
    end = time.perf_counter()
    proc.join()
    span = end - (first or start)
    return {"ingest_readings": worker.counts["stored"], "ingest_failed": worker.counts["failed"],
            "ingest_per_s": round(worker.counts["stored"] / max(span, 1e-9), 1)}, worker


def breach_delays(worker: Any, n: int) -> dict[str, float]:
    """Seconds from publishing a breach to its case being stored, per new sensor."""
    from sqlalchemy import select

    from cityloop.channels.iot.models import Alarm, Sensor
    from cityloop.kit.db import session_scope

    delays = []
    client = mqtt.Client(CallbackAPIVersion.VERSION2)
    client.connect(HOST, PORT)
    client.loop_start()
    for i in range(n):
        with session_scope() as session:
            sensor_id = session.scalar(select(Sensor.id).where(Sensor.device_id == f"DEV{i:05d}"))
        body = json.dumps({"metric": "level", "value": 99.0, "ts": datetime.now(UTC).isoformat()})
        t0 = time.perf_counter()
        client.publish(f"cityloop/devices/DEV{i:05d}/telemetry", body, qos=1)
        while time.perf_counter() - t0 < 30:
            with session_scope() as session:
                case_id = session.scalar(select(Alarm.case_id).where(Alarm.sensor_id == sensor_id))
            if case_id:
                break
            time.sleep(0.005)
        delays.append(time.perf_counter() - t0)
    client.loop_stop()
    client.disconnect()
    worker.stop()
    return {"breach_to_case_p50_s": round(percentile(delays, 50), 3),
            "breach_to_case_p99_s": round(percentile(delays, 99), 3), "breaches": n}


def main() -> None:
    """Run the three phases and print the figures."""
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--database", choices=["sqlite", "postgresql"], default="sqlite")
    parser.add_argument("--readings", type=int, default=50_000)
    parser.add_argument("--sensors", type=int, default=500)
    parser.add_argument("--breaches", type=int, default=50)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="cityloop-iot-") as raw, fresh_database(args.database) as url:
        migrate(url, Path(raw) / "var")
        from cityloop.channels.iot import service
        from cityloop.kit.auth import SYSTEM
        from cityloop.kit.db import session_scope

        rows = "".join(f"DEV{i:05d},water_level,level,cm,30,120.15,30.26\n" for i in range(args.sensors))
        with session_scope() as session:
            service.import_sensors(session, SYSTEM, ("device_id,kind,metric,unit,threshold_high,lng,lat\n" + rows)
                                   .encode(), "d.csv")
        figures: dict[str, Any] = {"database": args.database, "readings": args.readings, "sensors": args.sensors}
        figures |= bare_rate(args.readings, args.sensors)
        got, worker = ingest_rate(args.readings, args.sensors)
        figures |= got
        figures["ingest_vs_bare_ratio"] = round(figures["ingest_per_s"] / max(figures["bare_per_s"], 1e-9), 2)
        figures |= breach_delays(worker, min(args.breaches, args.sensors))
    emit(figures)


if __name__ == "__main__":
    main()
