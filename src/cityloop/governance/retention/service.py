"""Delete what may no longer be kept, on schedule or on a person's request; a legal hold stops both.

Statistics keep working: only the reporter's name, phone and ID number go; the case, its category, place, times and
history stay (PIPL art. 47 asks to delete personal information, not the record that a case happened).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import or_, update
from sqlalchemy.orm import Session

from cityloop.audit.service import record
from cityloop.cases.events import append_system_event
from cityloop.cases.models import Case
from cityloop.cases.repository import case_by_number, scoped_cases
from cityloop.channels.notify.models import OutboxMessage
from cityloop.config import get_settings
from cityloop.kit.auth import SYSTEM, Role, Subject
from cityloop.kit.clock import utcnow
from cityloop.kit.crypto import blind_index, decrypt
from cityloop.kit.errors import Forbidden, NotFound, ValidationFailed
from cityloop.kit.phones import normalize_phone

BATCH = 500
_HAS_IDENTITY = or_(Case.reporter_name.is_not(None), Case.reporter_phone.is_not(None),
                    Case.reporter_id_number.is_not(None))


@dataclass
class Outcome:
    """Cases whose personal data went, and cases kept because of a legal hold."""

    erased: list[int] = field(default_factory=list)
    held: list[int] = field(default_factory=list)


def _forget(case: Case) -> None:
    case.reporter_name = case.reporter_phone = case.reporter_id_number = case.reporter_phone_index = None


def _forget_messages(session: Session, case_ids: list[int]) -> None:
    # The SMS outbox keeps the number it wrote to; it goes with the case's (a message not yet sent is dropped).
    if not case_ids:
        return
    messages = OutboxMessage.case_id.in_(case_ids)
    session.execute(update(OutboxMessage).where(messages, OutboxMessage.status == "pending").values(status="skipped"))
    session.execute(update(OutboxMessage).where(messages, OutboxMessage.recipient_index.is_not(None))
                    .values(recipient=None, recipient_index=None))


def anonymise_expired(session: Session, now: datetime | None = None) -> Outcome:
    """Delete the reporter identity of cases closed longer ago than CITYLOOP_RETENTION_REPORTER_DAYS (0: keep)."""
    days = get_settings().retention_reporter_days
    outcome = Outcome()
    if days <= 0:
        return outcome
    cutoff = (now or utcnow()) - timedelta(days=days)
    while True:
        batch = list(session.scalars(scoped_cases(SYSTEM).where(
            Case.closed_at < cutoff, _HAS_IDENTITY, Case.legal_hold.is_(False)).order_by(Case.id).limit(BATCH)))
        if not batch:
            break
        for case in batch:
            _forget(case)
            append_system_event(session, case, "anonymise", {"retention_days": days})
        _forget_messages(session, [c.id for c in batch])
        record(session, SYSTEM, "anonymise", "case", [c.id for c in batch], {"retention_days": days},
               areas=[c.division_code for c in batch])
        session.flush()
        outcome.erased += [c.id for c in batch]
    return outcome


def _require_admin(subject: Subject) -> None:
    if not subject.has(Role.ADMIN):
        raise Forbidden("仅管理员可处理个人信息请求", "Only administrators handle personal-data requests")


def _of_phone(session: Session, phone: str) -> list[Case]:
    if not phone.strip():
        raise ValidationFailed({"phone": ("请填写电话号码", "Give a phone number")})
    # The same normalisation as the phone search of case lists, so every case of that number is found.
    index = blind_index(normalize_phone(phone.strip()) or phone.strip())
    return list(session.scalars(scoped_cases(SYSTEM).where(Case.reporter_phone_index == index).order_by(Case.id)))


def export_person(session: Session, subject: Subject, phone: str) -> dict[str, Any]:
    """Everything held about the person with this phone (PIPL art. 45), audited."""
    _require_admin(subject)
    cases = _of_phone(session, phone)
    record(session, subject, "export_person", "case", [c.id for c in cases], {"cases": len(cases)},
           areas=[c.division_code for c in cases])
    return {"phone": phone, "cases": [
        {"number": c.number, "received_at": c.received_at.isoformat(), "title": c.title, "content": c.content,
         "address": c.address, "state": c.state, "reporter_name": decrypt(c.reporter_name),
         "reporter_id_number": decrypt(c.reporter_id_number), "reply": c.reply} for c in cases]}


def erase_person(session: Session, subject: Subject, phone: str, note: str) -> Outcome:
    """Delete the person's identity from every case they filed (PIPL art. 47), except cases on legal hold."""
    _require_admin(subject)
    if len(note.strip()) < 4:
        raise ValidationFailed({"note": ("请写明请求来源（如申请编号）", "Say where the request came from")})
    outcome = Outcome()
    for case in _of_phone(session, phone):
        if case.legal_hold:
            outcome.held.append(case.id)
            continue
        _forget(case)
        append_system_event(session, case, "erase", {}, note=note)
        outcome.erased.append(case.id)
    _forget_messages(session, outcome.erased)
    record(session, subject, "erase_person", "case", outcome.erased, {"held": outcome.held, "note": note})
    return outcome


def set_hold(session: Session, subject: Subject, number: str, held: bool, note: str) -> Case:
    """Put a case on legal hold (or release it): its personal data is then neither anonymised nor erased."""
    _require_admin(subject)
    if len(note.strip()) < 4:
        raise ValidationFailed({"note": ("请写明保全依据", "Give the legal ground")})
    case = case_by_number(session, SYSTEM, number)  # an administrator's hold reaches every case
    if case is None:
        raise NotFound("没有这个工单", "No such case")
    case.legal_hold = held
    append_system_event(session, case, "legal_hold" if held else "legal_hold_released", {}, note=note)
    record(session, subject, "legal_hold" if held else "legal_hold_released", "case", [case.id], {"note": note},
           areas=[case.division_code])
    return case


def held_cases(session: Session) -> list[Case]:
    """Cases on legal hold."""
    return list(session.scalars(scoped_cases(SYSTEM).where(Case.legal_hold.is_(True)).order_by(Case.id)))

