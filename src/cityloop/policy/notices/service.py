"""政策找人: a changed standing becomes a 站内信 and (with a known phone) an SMS, once per subject, policy, standing."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from cityloop.audit import service as audit
from cityloop.channels.notify import repository as notify_repo
from cityloop.channels.notify.models import OutboxMessage
from cityloop.kit.auth import SYSTEM, Subject
from cityloop.kit.clock import utcnow
from cityloop.kit.crypto import blind_index, encrypt
from cityloop.kit.errors import NotFound
from cityloop.policy.accounts import service as policy_accounts
from cityloop.policy.matching.hooks import Change
from cityloop.policy.notices import repository as repo
from cityloop.policy.notices.models import PolicyNotice
from cityloop.policy.notices.texts import KIND_OF_STATUS, Texts
from cityloop.policy.policies.models import Policy
from cityloop.policy.registry.models import Enterprise

TOLD = frozenset({"eligible", "near_miss"})


@dataclass(frozen=True)
class Inbox:
    """A subject's notices and how many are unread."""

    notices: list[PolicyNotice]
    unread: int


def on_changes(session: Session, changes: Sequence[Change]) -> None:
    """Listener of matching: write the notices (and SMS) not written before, in the match's transaction."""
    wanted: dict[repo.Key, Change] = {}
    for c in changes:
        if c.after in TOLD and c.after != c.before:
            wanted.setdefault((c.subject_kind, c.subject_id, c.policy_id, c.after), c)
    for key in repo.existing(session, set(wanted)):
        wanted.pop(key)
    if not wanted:
        return
    policies = {p.id: p for p in session.scalars(select(Policy).where(Policy.id.in_({k[2] for k in wanted})))}
    texts = Texts(session)
    values = repo.match_values(session, [(k[1], k[2]) for k in wanted if k[3] == "near_miss"])
    now = utcnow()
    rows: list[dict[str, Any]] = []
    sms = 0
    for kind in sorted({k[0] for k in wanted}):
        ids = sorted({k[1] for k in wanted if k[0] == kind})
        phones = policy_accounts.phones(session, kind, ids)
        areas = _areas(session, kind, ids)
        for key, change in wanted.items():
            if key[0] != kind or key[2] not in policies:
                continue
            zh, en, sms_text = texts.of(policies[key[2]], change, values.get((key[1], key[2])))
            queued = key[1] in phones and _sms(session, key, phones[key[1]], sms_text, areas.get(key[1], ""))
            sms += queued
            rows.append({"subject_kind": kind, "subject_id": key[1], "policy_id": key[2], "status": key[3],
                         "failed": list(change.failed), "text": zh, "text_en": en, "sms_queued": queued,
                         "notified_at": now})
    repo.add_all(session, rows)
    audit.record(session, SYSTEM, "policy_notices", "policy", [],
                 {"notices": len(rows), "sms": sms, "policies": sorted({r["policy_id"] for r in rows})})


def _areas(session: Session, kind: str, ids: list[str]) -> dict[str, str]:
    if kind != "enterprise":
        return {}
    found: dict[str, str] = {}
    for start in range(0, len(ids), 5000):
        stmt = select(Enterprise.uscc, Enterprise.division_code).where(Enterprise.uscc.in_(ids[start:start + 5000]))
        found.update({u: d for u, d in session.execute(stmt)})
    return found


def _sms(session: Session, key: repo.Key, phone: tuple[str, int | None], text: str, division: str) -> bool:
    number, user_id = phone
    index = blind_index(number)
    if notify_repo.opted_out(session, user_id, index):
        return False
    session.add(OutboxMessage(channel="sms", kind=KIND_OF_STATUS[key[3]], division_code=division, user_id=user_id,
                              recipient=encrypt(number), recipient_index=index, text=text,
                              payload={"subject": [key[0], key[1]], "policy_id": key[2]}, next_attempt_at=utcnow()))
    return True


def inbox(session: Session, subject: Subject) -> Inbox:
    """The caller's own notices (a firm's or citizen's subject), newest first."""
    own = policy_accounts.own_subject(session, subject)
    if own is None:
        return Inbox([], 0)
    return Inbox(repo.of_subject(session, own.kind, own.id), repo.unread(session, own.kind, own.id))


def unread(session: Session, subject: Subject) -> int:
    """How many of the caller's notices are unread."""
    own = policy_accounts.own_subject(session, subject)
    return repo.unread(session, own.kind, own.id) if own else 0


def mark_read(session: Session, subject: Subject, notice_id: int | None) -> int:
    """Mark one of the caller's notices (or, with None, all) read; NotFound for anyone else's."""
    own = policy_accounts.own_subject(session, subject)
    if own is None:
        raise NotFound("通知不存在", "Notice not found")
    if notice_id is not None:
        row = session.get(PolicyNotice, notice_id)
        if row is None or (row.subject_kind, row.subject_id) != (own.kind, own.id):
            raise NotFound("通知不存在", "Notice not found")
    changed = repo.mark_read(session, own.kind, own.id, None if notice_id is None else [notice_id], utcnow())
    session.commit()
    return changed


def register() -> None:
    """Listen to matching (idempotent)."""
    from cityloop.policy.matching import hooks

    hooks.listen(on_changes)
