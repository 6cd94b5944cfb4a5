"""The MQTT ingest worker: a shared subscription to the telemetry topics, readings parsed and applied in batches."""

from __future__ import annotations

import json
import logging
import queue
import socket
import threading
import time
from collections import Counter
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlparse

import paho.mqtt.client as mqtt
from paho.mqtt.enums import CallbackAPIVersion
from paho.mqtt.packettypes import PacketTypes
from paho.mqtt.properties import Properties
from sqlalchemy import select

from cityloop.channels.iot import service
from cityloop.channels.iot.models import Sensor
from cityloop.config import get_settings
from cityloop.kit.clock import utcnow
from cityloop.kit.db import get_sessionmaker

log = logging.getLogger("cityloop.iot")
# Shared: with several app workers or nodes each reading reaches exactly one of them (one group per deployment).
TOPIC = "cityloop/devices/+/telemetry"
GROUP = "cityloop"
BATCH = 500
SENSOR_TTL = 30.0
# QoS 1 messages the broker may have in flight to us (MQTT v5 Receive Maximum, the protocol's largest). Without it
# Mosquitto allows its max_inflight_messages (20) and queues up to max_queued_messages (1000) behind them, then
# DROPS the rest: a burst larger than ~1,000 readings lost most of them. Our own queue is the buffer instead.
RECEIVE_MAXIMUM = 65535
COMPACT_EVERY = 3600.0
LINGER = 0.05  # seconds a batch waits to fill (adds at most this to a breach's way to its case)


def connect_properties() -> Properties:
    """CONNECT properties of the ingest client (the receive maximum)."""
    props = Properties(PacketTypes.CONNECT)
    props.ReceiveMaximum = RECEIVE_MAXIMUM
    return props


def broker_address(url: str) -> tuple[str, int]:
    """(host, port) of an mqtt:// URL."""
    parsed = urlparse(url)
    return parsed.hostname or "127.0.0.1", parsed.port or 1883


def broker_answers(url: str, timeout: float = 1.0) -> bool:
    """True when something accepts TCP connections at the broker's address."""
    try:
        with socket.create_connection(broker_address(url), timeout=timeout):
            return True
    except OSError:
        return False


def parse(topic: str, payload: bytes) -> tuple[str, str, float, datetime]:
    """(device id, metric, value, time) of a telemetry message; ValueError for anything malformed."""
    parts = topic.split("/")
    if len(parts) != 4 or parts[0] != "cityloop" or parts[1] != "devices" or parts[3] != "telemetry" or not parts[2]:
        raise ValueError("unexpected topic")
    body = json.loads(payload.decode("utf-8"))
    if not isinstance(body, dict):
        raise ValueError("payload is not an object")
    metric, value = body.get("metric"), body.get("value")
    if not isinstance(metric, str) or isinstance(value, bool) or not isinstance(value, (int, float)):
        raise ValueError("metric (string) and value (number) are required")
    raw_ts = body.get("ts")
    ts = datetime.fromisoformat(raw_ts.replace("Z", "+00:00")) if isinstance(raw_ts, str) else datetime.now(UTC)
    return parts[2], metric, float(value), ts if ts.tzinfo else ts.replace(tzinfo=UTC)


class Ingest:
    """Subscribe, queue, apply; counts what it received, stored, refused and why."""

    def __init__(self, url: str, client_id: str = "", group: str = GROUP) -> None:
        self.url = url
        self.subscription = f"$share/{group}/{TOPIC}"
        self.counts: Counter[str] = Counter()
        self.queue: queue.Queue[tuple[str, bytes]] = queue.Queue(maxsize=100_000)
        self.stopping = threading.Event()
        self.subscribed = threading.Event()  # set once the broker confirms the subscription (tests wait on it)
        self.sensors: dict[tuple[str, str], int] = {}
        self.rows: dict[int, Sensor] = {}
        self.loaded = 0.0
        self.due: dict[str, float] = {}
        self.started_at: datetime | None = None
        self.client = mqtt.Client(CallbackAPIVersion.VERSION2, client_id=client_id,
                                  protocol=mqtt.MQTTv5)
        self.client.on_connect = self._connected
        self.client.on_message = self._message
        self.client.on_subscribe = lambda *_args: self.subscribed.set()
        self.thread = threading.Thread(target=self._run, name="iot-ingest", daemon=True)

    def start(self) -> None:
        """Connect and start the network loop and the applying thread."""
        host, port = broker_address(self.url)
        self.client.connect(host, port, keepalive=30, properties=connect_properties())
        self.client.loop_start()
        self.started_at = utcnow()
        self.due["compact"] = time.monotonic() + 60.0  # not while a backlog from the broker is being caught up
        self.thread.start()

    def stop(self) -> None:
        """Stop after the queue drains."""
        self.stopping.set()
        self.client.loop_stop()
        self.client.disconnect()
        self.thread.join(timeout=10)

    def _connected(self, client: mqtt.Client, _userdata: Any, _flags: Any, reason: Any, _props: Any = None) -> None:
        log.info("MQTT connected to %s (%s); subscribing to %s", self.url, reason, self.subscription)
        client.subscribe(self.subscription, qos=1)

    def _message(self, _client: mqtt.Client, _userdata: Any, message: mqtt.MQTTMessage) -> None:
        self.counts["received"] += 1
        try:
            self.queue.put_nowait((message.topic, message.payload))
        except queue.Full:
            self.counts["dropped_full"] += 1

    def _run(self) -> None:
        while not (self.stopping.is_set() and self.queue.empty()):
            self._periodic()
            batch = self._drain()
            if not batch:
                continue
            try:
                self._apply(batch)
            except Exception:  # the worker must survive a bad batch (database hiccup); the readings are counted
                self.counts["failed"] += len(batch)
                log.exception("IoT batch of %d readings failed", len(batch))

    def _periodic(self) -> None:
        """The offline check every `iot_offline_check_seconds`, the compaction hourly (errors logged, not raised)."""
        now = time.monotonic()
        for name, every, job in (("offline", float(get_settings().iot_offline_check_seconds), self.check_offline),
                                 ("compact", COMPACT_EVERY, self.compact)):
            if now < self.due.get(name, 0.0):
                continue
            self.due[name] = now + every
            try:
                job()
            except Exception:  # a database hiccup must not stop the ingest; the next round tries again
                log.exception("IoT %s job failed", name)

    def check_offline(self) -> list[int]:
        """Open offline alarms for silent devices now; ids of the cases opened."""
        session = get_sessionmaker()()
        try:
            opened = service.check_offline(session, listening_since=self.started_at)
        finally:
            session.close()
        self.counts["offline_opened"] += len(opened)
        return opened

    def compact(self) -> None:
        """Roll up and delete raw readings past the retention period."""
        session = get_sessionmaker()()
        try:
            done = service.compact(session)
        finally:
            session.close()
        self.counts["compacted"] += done.readings

    def _drain(self) -> list[tuple[str, bytes]]:
        """Up to BATCH messages: what is queued, then whatever arrives within LINGER of the first.

        Every database call of a batch releases the GIL and may wait up to the interpreter's switch interval to get
        it back from the busy network thread; taking whatever happened to be queued made batches of a few dozen
        readings under load, each paying that wait several times over. Lingering fills them instead.
        """
        try:
            batch = [self.queue.get(timeout=0.2)]
        except queue.Empty:
            return []
        until = time.monotonic() + LINGER
        while len(batch) < BATCH:
            try:
                batch.append(self.queue.get_nowait())
                continue
            except queue.Empty:
                pass
            left = until - time.monotonic()
            if left <= 0:
                break
            try:
                batch.append(self.queue.get(timeout=left))
            except queue.Empty:
                break
        return batch

    def _apply(self, batch: list[tuple[str, bytes]]) -> None:
        session = get_sessionmaker()()
        try:
            parsed = self._parse_all(batch)
            self._refresh(force=any(key not in self.sensors for key, _v, _t in parsed))
            items = []
            for key, value, ts in parsed:
                if key in self.sensors:
                    items.append((self.sensors[key], value, ts))
                else:
                    self.counts["unknown_device"] += 1
            service.ingest_batch(session, [(self.rows[i], v, ts) for i, v, ts in items])
            self.counts["stored"] += len(items)
        finally:
            session.close()

    def _parse_all(self, batch: list[tuple[str, bytes]]) -> list[tuple[tuple[str, str], float, datetime]]:
        out = []
        for topic, payload in batch:
            try:
                device, metric, value, ts = parse(topic, payload)
            except (ValueError, UnicodeDecodeError) as exc:
                self.counts["malformed"] += 1
                log.debug("malformed reading on %s: %s", topic, exc)
                continue
            out.append(((device, metric), value, ts))
        return out

    def _refresh(self, force: bool = False) -> None:
        """Reload the sensors (thresholds included) at most every SENSOR_TTL seconds, not per batch.

        A device imported a moment ago must not wait out the cache: at most one reload a second for misses. The
        objects are loaded in a session of their own and kept detached, so a batch's commit does not expire them.
        """
        age = time.monotonic() - self.loaded
        if (age < SENSOR_TTL and self.sensors and not force) or (force and age < 1.0):
            return
        session = get_sessionmaker()()
        try:
            rows = list(session.scalars(select(Sensor)))
        finally:
            session.close()
        self.rows = {s.id: s for s in rows}
        self.sensors = {(s.device_id, s.metric): s.id for s in rows}
        self.loaded = time.monotonic()
