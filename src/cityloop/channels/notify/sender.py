"""The sender: drains due outbox messages, logs every attempt, retries failures with exponential back-off."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy.orm import Session

from cityloop.accounts.notifications.models import Notification
from cityloop.channels.notify import repository as repo
from cityloop.channels.notify.gateways import DeliveryFailed, Gateway, sms_gateway, webhook_gateway
from cityloop.channels.notify.models import DeliveryAttempt, OutboxMessage
from cityloop.config import get_settings
from cityloop.kit import catalogue
from cityloop.kit.clock import utcnow
from cityloop.kit.crypto import decrypt

log = logging.getLogger("cityloop.notify")
BATCH = 100


@dataclass
class SendReport:
    """What one run of the sender did."""

    sent: int = 0
    retrying: int = 0
    failed: int = 0
    skipped: int = 0


def backoff(attempts: int) -> timedelta:
    """Wait after the `attempts`-th failed try: base, 2×base, 4×base … up to the maximum."""
    s = get_settings()
    return timedelta(seconds=min(s.notify_backoff_seconds * 2 ** (attempts - 1), s.notify_backoff_max_seconds))


def send_due(session: Session, limit: int = BATCH) -> SendReport:
    """Deliver the due messages (one commit each, so a crash loses at most one attempt's record)."""
    report = SendReport()
    now = utcnow()
    ids = repo.due(session, now, limit)
    session.commit()
    for message_id in ids:
        # A lease, not a row lock: no transaction stays open while a gateway answers, several senders (workers,
        # `cityloop notify send`) never take the same message, and a sender that dies mid-send is retried later.
        if not repo.claim(session, message_id, now, utcnow() + _lease()):
            session.rollback()
            continue
        session.commit()
        message = session.get(OutboxMessage, message_id, populate_existing=True)
        if message is not None:
            _deliver(session, message, report)
            session.commit()
    return report


def _lease() -> timedelta:
    return timedelta(seconds=max(60.0, 4 * get_settings().notify_timeout_seconds))


def _deliver(session: Session, message: OutboxMessage, report: SendReport) -> None:
    to = decrypt(message.recipient) or ""
    if message.channel == "sms" and repo.opted_out(session, message.user_id, message.recipient_index):
        message.status = "skipped"
        report.skipped += 1
        return
    gateway = _gateway(message, to)
    message.attempts += 1
    error = ""
    try:
        if message.channel == "inbox":
            _to_inbox(session, message)
        else:
            gateway.send(to, {"id": message.id, "kind": message.kind, "text": message.text, **message.payload})
    except DeliveryFailed as exc:
        error = str(exc)[:1000]
    session.add(DeliveryAttempt(outbox_id=message.id, attempt=message.attempts, channel=message.channel,
                                gateway=gateway.name, recipient_masked=_masked(message.channel, to),
                                ok=not error, error=error, at=utcnow()))
    if not error:
        message.status, message.sent_at, message.last_error = "sent", utcnow(), ""
        report.sent += 1
        return
    message.last_error = error
    if message.attempts >= get_settings().notify_max_attempts:
        message.status = "failed"
        report.failed += 1
        log.warning("notify message %d failed for good after %d tries: %s", message.id, message.attempts, error)
    else:
        message.next_attempt_at = utcnow() + backoff(message.attempts)
        report.retrying += 1


@dataclass
class _InboxGateway:
    name: str = "inbox"

    def send(self, to: str, body: dict[str, object]) -> None:
        """Never called: inbox messages are written by `_to_inbox`."""


def _gateway(message: OutboxMessage, to: str) -> Gateway:
    if message.channel == "inbox":
        return _InboxGateway()
    return webhook_gateway(to) if message.channel == "webhook" else sms_gateway()


def _to_inbox(session: Session, message: OutboxMessage) -> None:
    if message.user_id is None:
        raise DeliveryFailed("no account to deliver to")
    # Written directly, not through notify_users: its deliverers would send this citizen notice again by SMS.
    session.add(Notification(user_id=message.user_id, kind=message.kind, case_id=message.case_id, text=message.text,
                             text_en="", sender_name="系统自动", created_at=utcnow()))


def _masked(channel: str, to: str) -> str:
    if channel == "sms":
        return str(catalogue.masked("notify_outbox", "recipient", to) or "")
    return to.split("?", 1)[0][:255]
