"""The sender: HTTP gateway and webhooks on a loopback server, retries with back-off, failures, opt-outs."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from builders import file_case
from cityloop.cases.schemas import ActionIn
from cityloop.cases.workflow import perform
from cityloop.channels.notify.models import DeliveryAttempt, OutboxMessage
from cityloop.channels.notify.sender import backoff, send_due
from cityloop.config import get_settings
from cityloop.kit import clock
from cityloop.kit.crypto import decrypt

PHONE = "13700001111"


@pytest.fixture
def http_sms(engine, receiver, monkeypatch):  # type: ignore[no-untyped-def]
    """SMS through the generic HTTP gateway to the loopback receiver, three tries at most."""
    monkeypatch.setenv("CITYLOOP_NOTIFY_SMS_GATEWAY", "http")
    monkeypatch.setenv("CITYLOOP_NOTIFY_SMS_URL", receiver.url)
    monkeypatch.setenv("CITYLOOP_NOTIFY_SMS_TOKEN", "sms-token")
    monkeypatch.setenv("CITYLOOP_NOTIFY_MAX_ATTEMPTS", "3")
    get_settings.cache_clear()
    yield receiver
    get_settings.cache_clear()


def _messages(db, channel: str = "sms") -> list[OutboxMessage]:  # type: ignore[no-untyped-def]
    db.expire_all()
    return list(db.scalars(select(OutboxMessage).where(OutboxMessage.channel == channel).order_by(OutboxMessage.id)))


def _log(db, message_id: int) -> list[DeliveryAttempt]:  # type: ignore[no-untyped-def]
    return list(db.scalars(select(DeliveryAttempt).where(DeliveryAttempt.outbox_id == message_id)
                           .order_by(DeliveryAttempt.id)))


def test_the_http_gateway_posts_json_with_the_token(db, world, http_sms) -> None:
    case = file_case(db, world.subjects["agent"], reporter={"name": "赵六", "phone": PHONE})
    assert send_due(db).sent == 1
    (body,) = http_sms.received
    assert body["to"] == PHONE
    assert body["kind"] == "accepted"
    assert case.number in body["text"]
    assert http_sms.headers[0]["Authorization"] == "Bearer sms-token"


def test_a_failing_gateway_is_retried_with_growing_waits_then_given_up(db, world, http_sms) -> None:
    http_sms.statuses = [500, 503, 502]
    start = clock.utcnow()
    clock.freeze(start)
    file_case(db, world.subjects["agent"], reporter={"name": "赵六", "phone": PHONE})
    assert send_due(db).retrying == 1
    (message,) = _messages(db)
    assert message.status == "pending"
    assert message.attempts == 1
    assert "500" in message.last_error
    assert message.next_attempt_at == start + backoff(1)
    assert send_due(db).sent == 0  # not due yet: the sender waits out the back-off
    clock.freeze(start + backoff(1))
    assert send_due(db).retrying == 1
    (message,) = _messages(db)
    assert message.next_attempt_at - (start + backoff(1)) == backoff(2) == 2 * backoff(1)
    clock.freeze(message.next_attempt_at)
    assert send_due(db).failed == 1
    (message,) = _messages(db)
    assert message.status == "failed"
    assert message.attempts == 3
    assert "502" in message.last_error
    assert [(a.attempt, a.ok) for a in _log(db, message.id)] == [(1, False), (2, False), (3, False)]
    assert len(http_sms.received) == 3


def test_a_retry_that_succeeds_is_logged_after_the_failure(db, world, http_sms) -> None:
    http_sms.statuses = [500]
    file_case(db, world.subjects["agent"], reporter={"name": "赵六", "phone": PHONE})
    send_due(db)
    clock.freeze(clock.utcnow() + timedelta(hours=1))
    assert send_due(db).sent == 1
    (message,) = _messages(db)
    assert message.status == "sent"
    assert message.last_error == ""
    assert [a.ok for a in _log(db, message.id)] == [False, True]


def test_an_unreachable_gateway_is_a_failed_attempt_not_a_crash(db, world, monkeypatch) -> None:
    monkeypatch.setenv("CITYLOOP_NOTIFY_SMS_GATEWAY", "http")
    monkeypatch.setenv("CITYLOOP_NOTIFY_SMS_URL", "http://127.0.0.1:9/nothing-listens")
    get_settings.cache_clear()
    file_case(db, world.subjects["agent"], reporter={"name": "赵六", "phone": PHONE})
    assert send_due(db).retrying == 1
    (message,) = _messages(db)
    assert message.last_error
    assert not _log(db, message.id)[0].ok


def test_webhooks_get_the_case_events(db, world, receiver, monkeypatch) -> None:
    monkeypatch.setenv("CITYLOOP_NOTIFY_WEBHOOK_URL", receiver.url)
    monkeypatch.setenv("CITYLOOP_NOTIFY_WEBHOOK_TOKEN", "hook-token")
    get_settings.cache_clear()
    case = file_case(db, world.subjects["agent"], location={"division_code": "330106"}, category_code=None)
    perform(db, world.subjects["dispatcher"], case.id, "dispatch", ActionIn(unit_id=world.units["chengguan"].id))
    send_due(db)
    assert [(b["event"], b["case_id"]) for b in receiver.received] == [("case.accepted", case.id),
                                                                       ("case.dispatched", case.id)]
    assert all(h["Authorization"] == "Bearer hook-token" for h in receiver.headers)
    assert all(decrypt(m.recipient) == receiver.url and m.status == "sent" for m in _messages(db, "webhook"))


def test_handlers_with_a_phone_get_their_dispatch_and_urge_notices_by_sms(db, world) -> None:
    handler = world.users["handler"]
    handler.phone = "13600002222"
    db.commit()
    case = file_case(db, world.subjects["agent"], location={"division_code": "330106"}, category_code=None)
    perform(db, world.subjects["dispatcher"], case.id, "dispatch", ActionIn(unit_id=world.units["chengguan"].id))
    perform(db, world.subjects["supervisor"], case.id, "urge", ActionIn(note="请尽快签收"))
    to_handler = [m for m in _messages(db) if decrypt(m.recipient) == handler.phone]
    assert [m.kind for m in to_handler] == ["dispatched", "urged"]
    assert all(case.number in m.text for m in to_handler)
    assert "请尽快签收" in to_handler[1].text
    send_due(db)
    assert all(m.status == "sent" for m in _messages(db))


def test_an_opted_out_phone_gets_nothing_even_if_queued_before(db, world, client, auth) -> None:
    file_case(db, world.subjects["agent"], reporter={"name": "赵六", "phone": PHONE})
    resp = client.post("/api/v1/notify/opt-outs", json={"phone": f"+86 {PHONE[:3]}-{PHONE[3:]}"},
                       headers=auth("agent"))
    assert resp.status_code == 201
    assert resp.json()["phone"] != PHONE
    assert resp.json()["phone"].endswith(PHONE[-4:])
    assert client.post("/api/v1/notify/opt-outs", json={"phone": PHONE}, headers=auth("agent")).status_code == 201
    file_case(db, world.subjects["agent"], reporter={"name": "赵六", "phone": PHONE})
    assert len(_messages(db)) == 1  # the second case queued nothing
    assert send_due(db).skipped == 1
    assert _messages(db)[0].status == "skipped"
    assert _log(db, _messages(db)[0].id) == []


def test_a_user_opts_out_of_their_own_sms_and_only_agents_record_a_phone(db, world, client, auth) -> None:
    handler = world.users["handler"]
    handler.phone = "13600002222"
    db.commit()
    assert client.post("/api/v1/notify/opt-outs", json={}, headers=auth("handler")).status_code == 201
    refused = client.post("/api/v1/notify/opt-outs", json={"phone": PHONE}, headers=auth("handler"))
    assert refused.status_code == 403
    assert refused.json()["message"]["zh"]
    case = file_case(db, world.subjects["agent"], location={"division_code": "330106"}, category_code=None)
    perform(db, world.subjects["dispatcher"], case.id, "dispatch", ActionIn(unit_id=world.units["chengguan"].id))
    assert not [m for m in _messages(db) if decrypt(m.recipient) == handler.phone]
    bad = client.post("/api/v1/notify/opt-outs", json={"phone": "12345"}, headers=auth("agent"))
    assert bad.status_code == 422
    assert bad.json()["details"]["fields"]["phone"]["en"]


def test_parallel_senders_deliver_each_message_once(db, world, http_sms) -> None:
    from concurrent.futures import ThreadPoolExecutor

    from cityloop.kit.db import get_sessionmaker

    for n in range(8):
        file_case(db, world.subjects["agent"], reporter={"name": "赵六", "phone": f"1370000{n:04d}"})

    def run(_n: int) -> int:
        session = get_sessionmaker()()
        try:
            return send_due(session).sent
        finally:
            session.close()

    with ThreadPoolExecutor(max_workers=3) as pool:
        assert sum(pool.map(run, range(3))) == 8
    assert sorted(b["to"] for b in http_sms.received) == sorted(f"1370000{n:04d}" for n in range(8))
    assert all(len(_log(db, m.id)) == 1 for m in _messages(db))
