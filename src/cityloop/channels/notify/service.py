"""Reading the outbox and its delivery log (scoped, phones masked) and recording opt-outs."""

from __future__ import annotations

from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from cityloop.audit import service as audit
from cityloop.channels.notify import repository as repo
from cityloop.channels.notify.models import OptOut, OutboxMessage
from cityloop.channels.notify.schemas import AttemptOut, DeliveryOut, OptOutOut
from cityloop.kit import catalogue
from cityloop.kit.auth import SYSTEM, Role, Subject
from cityloop.kit.crypto import blind_index, decrypt, encrypt
from cityloop.kit.errors import Forbidden, NotFound

# Who may read the outbox: the people who answer for deliveries to citizens and units.
READERS = (Role.ADMIN, Role.DISPATCHER, Role.SUPERVISOR)
# Who may record an opt-out for a phone number a caller gives (hotline agents, dispatchers).
RECORDERS = (Role.ADMIN, Role.AGENT, Role.DISPATCHER)


def deliveries(session: Session, subject: Subject, status: str | None, channel: str | None, offset: int,
               limit: int) -> tuple[list[DeliveryOut], int]:
    """A page of outbox messages about cases in the caller's area, newest first."""
    rows, total = repo.page(session, _scope(subject), status, channel, offset, limit)
    logs = _logs(session, [r.id for r in rows])
    return [_present(subject, r, logs.get(r.id, [])) for r in rows], total


def delivery(session: Session, subject: Subject, message_id: int) -> DeliveryOut:
    """One message with its whole delivery log."""
    row = repo.message(session, _scope(subject), message_id)
    if row is None:
        raise NotFound("消息不存在或不在您的辖区", "Message not found or outside your area")
    return _present(subject, row, _logs(session, [row.id]).get(row.id, []))


def opt_out(session: Session, subject: Subject, phone: str | None) -> OptOutOut:
    """Record that a phone number (staff, for a caller) or the caller's own account gets no more SMS."""
    if phone is not None and not subject.has(*RECORDERS):
        raise Forbidden("只有话务员、派单员或管理员可以登记号码退订", "Only agents, dispatchers and administrators "
                        "record an opt-out for a phone number")
    if phone is None and (subject.kind != "user" or not subject.id):
        raise Forbidden("只有登录用户可以退订自己的短信", "Only a signed-in user can opt out their own account")
    user_id = None if phone is not None else subject.id
    index = blind_index(phone)
    row = repo.opt_out_of(session, user_id, index)
    if row is None:
        row = OptOut(user_id=user_id, phone=encrypt(phone), phone_index=index)
        session.add(row)
        session.flush()
        audit.record(session, subject, "notify_opt_out", "notify_opt_out", [row.id],
                     {"user_id": user_id, "phone": catalogue.masked("notify_opt_outs", "phone", phone)})
        try:
            session.commit()
        except IntegrityError:  # the same opt-out recorded a moment ago by someone else: it stands
            session.rollback()
            row = repo.opt_out_of(session, user_id, index)
            assert row is not None
    phone = catalogue.masked("notify_opt_outs", "phone", decrypt(row.phone))
    return OptOutOut(id=row.id, user_id=row.user_id, phone=phone, created_at=row.created_at)


def opt_out_reporter(session: Session, number: str, code: str) -> bool:
    """The tracking page's "no more SMS" for the case's reporter phone (number and code prove it is theirs)."""
    from cityloop.cases.public import find

    phone = decrypt(find(session, number, code).reporter_phone)
    if not phone:
        return False
    opt_out(session, SYSTEM, phone)
    return True


def _scope(subject: Subject) -> str | None:
    if not subject.has(*READERS):
        raise Forbidden("您的角色不能查看通知发送记录", "Your role may not read the delivery log")
    # Like cases: the system sees everything, everyone else (administrators too) their area subtree.
    return None if Role.SYSTEM in subject.roles else subject.scope


def _logs(session: Session, ids: list[int]) -> dict[int, list[AttemptOut]]:
    out: dict[int, list[AttemptOut]] = {}
    for a in repo.attempts_of(session, ids):
        out.setdefault(a.outbox_id, []).append(AttemptOut(attempt=a.attempt, gateway=a.gateway,
                                                          recipient=a.recipient_masked, ok=a.ok, error=a.error,
                                                          at=a.at))
    return out


def _present(subject: Subject, row: OutboxMessage, log: list[AttemptOut]) -> DeliveryOut:
    to = decrypt(row.recipient) or ""
    shown: Any = to if row.channel != "sms" else catalogue.shown(subject, "notify_outbox", "recipient", to)
    return DeliveryOut(id=row.id, channel=row.channel, kind=row.kind, case_id=row.case_id, recipient=shown or "",
                       text=row.text, status=row.status, attempts=row.attempts, next_attempt_at=row.next_attempt_at,
                       last_error=row.last_error, created_at=row.created_at, sent_at=row.sent_at, log=log)
