"""Idempotency-Key: a replay returns the first case, a different body is refused (422), a key in flight is 409."""

from __future__ import annotations

import json
import os
import threading
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from builders import World, case_in
from cityloop.cases import intake as intake_module
from cityloop.cases.idempotency import service as idempotency
from cityloop.cases.idempotency.models import IdempotencyKey
from cityloop.cases.intake import intake
from cityloop.cases.models import Case
from cityloop.kit.db import get_sessionmaker


def _payload(**overrides):  # type: ignore[no-untyped-def]
    return case_in(**overrides).model_dump(mode="json", exclude_none=True)


def _count(db: Session) -> int:
    db.expire_all()
    return int(db.scalar(select(func.count()).select_from(Case)) or 0)


def test_the_same_key_with_another_body_is_refused_and_files_nothing(client: TestClient, world: World, auth,  # type: ignore[no-untyped-def]
                                                                     db: Session) -> None:
    headers = {**auth("agent"), "Idempotency-Key": "call-1"}
    first = client.post("/api/v1/cases", json=_payload(title="路灯不亮"), headers=headers)
    second = client.post("/api/v1/cases", json=_payload(title="井盖缺失"), headers=headers)
    assert first.status_code == 201
    assert second.status_code == 422
    body = second.json()
    assert body["error"] == "idempotency_key_reused"
    assert body["message"]["zh"]
    assert body["message"]["en"]
    assert _count(db) == 1


def test_a_replay_returns_the_first_case_whatever_the_key_order(client: TestClient, world: World, auth) -> None:  # type: ignore[no-untyped-def]
    headers = {**auth("agent"), "Idempotency-Key": "call-2", "Content-Type": "application/json"}
    payload = _payload()
    first = client.post("/api/v1/cases", content=json.dumps(payload), headers=headers)
    reordered = json.dumps(dict(reversed(list(payload.items()))), indent=2, ensure_ascii=False)
    second = client.post("/api/v1/cases", content=reordered.encode(), headers=headers)
    assert first.status_code == second.status_code == 201
    assert second.json()["id"] == first.json()["id"]
    assert second.headers["Idempotent-Replayed"] == "true"


def test_the_same_key_from_another_user_is_another_request(client: TestClient, world: World, auth) -> None:  # type: ignore[no-untyped-def]
    first = client.post("/api/v1/cases", json=_payload(title="路灯不亮"),
                        headers={**auth("agent"), "Idempotency-Key": "shared"})
    other = client.post("/api/v1/cases", json=_payload(title="井盖缺失"),
                        headers={**auth("dispatcher"), "Idempotency-Key": "shared"})
    assert first.status_code == other.status_code == 201
    assert other.json()["id"] != first.json()["id"]


def _pause(hooks: list[Any]) -> Iterator[tuple[threading.Event, threading.Event]]:
    """The next intake stops in one of `hooks` until `go` is set; `inside` tells it is there."""
    inside, go = threading.Event(), threading.Event()

    def wait(_session: Session, _case: Case) -> dict[str, object]:
        if inside.is_set():
            return {}
        inside.set()
        go.wait(timeout=60)
        return {}

    hooks.append(wait)
    try:
        yield inside, go
    finally:
        go.set()
        hooks.remove(wait)


@pytest.fixture
def paused_screening(world: World) -> Iterator[tuple[threading.Event, threading.Event]]:
    """The next intake stops while screening: it has read and computed, and not yet claimed its key."""
    yield from _pause(intake_module.screeners)


@pytest.fixture
def paused_writing(world: World) -> Iterator[tuple[threading.Event, threading.Event]]:
    """The next intake stops inside its transaction, after claiming its key and inserting the case."""
    yield from _pause(intake_module.on_intake)


def _race(client: TestClient, world: World, headers: dict[str, str],
          paused: tuple[threading.Event, threading.Event]) -> tuple[Any, list[int]]:
    """File in a thread that pauses, send the same key meanwhile, let the first go: (the retry's answer, first's id)."""
    inside, go = paused
    filed: list[int] = []

    def first() -> None:
        session = get_sessionmaker()()
        try:
            filed.append(intake(session, world.subjects["agent"], case_in(), "slow-1")[0].id)
        finally:
            session.close()

    thread = threading.Thread(target=first)
    thread.start()
    assert inside.wait(timeout=60)
    meanwhile = client.post("/api/v1/cases", json=_payload(), headers=headers)
    go.set()
    thread.join(timeout=60)
    return meanwhile, filed


def test_screening_holds_no_key_so_a_retry_meanwhile_files_and_the_first_replays(  # type: ignore[no-untyped-def]
        client: TestClient, world: World, auth, db: Session, paused_screening) -> None:
    headers = {**auth("agent"), "Idempotency-Key": "slow-1"}
    meanwhile, filed = _race(client, world, headers, paused_screening)
    assert meanwhile.status_code == 201
    assert filed == [meanwhile.json()["id"]]
    replay = client.post("/api/v1/cases", json=_payload(), headers=headers)
    assert replay.json()["id"] == filed[0]
    assert replay.headers["Idempotent-Replayed"] == "true"
    assert _count(db) == 1


@pytest.mark.skipif(not os.environ.get("CITYLOOP_TEST_PG_URL"),
                    reason="SQLite has one writer: the retry would wait for the paused insert, not answer 409")
def test_a_key_in_flight_is_409_on_postgresql(  # type: ignore[no-untyped-def]
        client: TestClient, world: World, auth, db: Session, paused_writing) -> None:
    headers = {**auth("agent"), "Idempotency-Key": "slow-1"}
    meanwhile, filed = _race(client, world, headers, paused_writing)
    assert meanwhile.status_code == 409
    assert meanwhile.json()["error"] == "idempotency_key_in_flight"
    replay = client.post("/api/v1/cases", json=_payload(), headers=headers)
    assert replay.status_code == 201
    assert replay.json()["id"] == filed[0]
    assert _count(db) == 1


def test_a_failed_request_lets_go_of_its_key(client: TestClient, world: World, auth, db: Session) -> None:  # type: ignore[no-untyped-def]
    headers = {**auth("agent"), "Idempotency-Key": "fix-and-retry"}
    bad = client.post("/api/v1/cases", json=_payload(category_code="999999"), headers=headers)
    good = client.post("/api/v1/cases", json=_payload(), headers=headers)
    assert bad.status_code == 422
    assert bad.json()["error"] == "validation_failed"
    assert good.status_code == 201
    assert "Idempotent-Replayed" not in good.headers


def test_keys_recorded_before_fingerprints_replay_any_body(world: World, db: Session) -> None:
    agent = world.subjects["agent"]
    case, _created = intake(db, agent, case_in(title="路灯不亮"), "legacy")
    row = db.get(IdempotencyKey, f"{agent.kind}:{agent.id}:legacy")
    assert row is not None
    row.fingerprint = None  # as migration 0009 backfills keys of older cases
    db.commit()
    again, created = intake(db, agent, case_in(title="井盖缺失"), "legacy")
    assert not created
    assert again.id == case.id


def test_the_fingerprint_ignores_where_an_upload_was_stored(world: World) -> None:
    photo = {"name": "a.png", "content_type": "image/png", "size": 10}
    one = case_in(attachments=[{**photo, "url": "/files/abc.png"}])
    two = case_in(attachments=[{**photo, "url": "/files/def.png"}])
    bigger = case_in(attachments=[{**photo, "size": 11, "url": "/files/abc.png"}])
    assert idempotency.fingerprint(one) == idempotency.fingerprint(two)
    assert idempotency.fingerprint(one) != idempotency.fingerprint(bigger)
