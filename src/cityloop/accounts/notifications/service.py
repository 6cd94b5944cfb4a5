"""Writing notices to users and units, reading one's own inbox; delivery hooks for other channels (SMS…)."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session

from cityloop.accounts.notifications import repository as repo
from cityloop.accounts.notifications.models import Notification
from cityloop.kit.auth import Role, Subject
from cityloop.kit.clock import utcnow
from cityloop.kit.core_insert import insert_loaded
from cityloop.kit.errors import NotFound

# Called for every stored notice (channels add SMS or webhooks here); they must not raise.
deliverers: list[Callable[[Session, Notification], None]] = []
# Who in a unit is told about its cases: the people who sign and handle them.
UNIT_ROLES = frozenset({Role.HANDLER})


@dataclass(frozen=True)
class Notice:
    """What to tell: kind, zh and en text, the case it is about, and optionally who sent it and by when to reply."""

    kind: str
    text: str
    text_en: str = ""
    case_id: int | None = None
    sender_name: str = ""
    reply_by: datetime | None = None


def notify_users(session: Session, user_ids: Iterable[int], notice: Notice) -> list[Notification]:
    """Store the notice once per distinct user (flushed, not committed: it lands with the caller's change)."""
    now = utcnow()
    rows = [Notification(user_id=uid, kind=notice.kind, case_id=notice.case_id, text=notice.text,
                         text_en=notice.text_en, sender_name=notice.sender_name, reply_by=notice.reply_by,
                         created_at=now)
            for uid in dict.fromkeys(user_ids)]
    insert_loaded(session, rows)  # ids at once (deliverers log them), without the unit of work: intake writes these
    for row in rows:
        for deliver in deliverers:
            deliver(session, row)
    return rows


def notify_unit(session: Session, unit_id: int, notice: Notice) -> list[Notification]:
    """Tell the unit's handlers (or, in a unit without handlers, everyone active in it)."""
    users = repo.active_users_of_unit(session, unit_id)
    handlers = [uid for uid, roles in users if UNIT_ROLES & set(roles)]
    return notify_users(session, handlers or [uid for uid, _ in users], notice)


def inbox(session: Session, subject: Subject, unread_only: bool, offset: int, limit: int
          ) -> tuple[list[Notification], int, int]:
    """(page, total, unread) of the caller's own notices."""
    user_id = _own(subject)
    rows, total = repo.page_of(session, user_id, unread_only, offset, limit)
    return rows, total, repo.unread_count(session, user_id)


def unread(session: Session, subject: Subject) -> int:
    """How many unread notices the caller has (0 for callers without an inbox)."""
    return repo.unread_count(session, subject.id) if subject.kind == "user" and subject.id else 0


def mark_read(session: Session, subject: Subject, notification_id: int | None) -> int:
    """Mark one notice (or, with None, all) of the caller read; NotFound for someone else's."""
    user_id = _own(subject)
    changed = repo.mark_read(session, user_id, None if notification_id is None else [notification_id], utcnow())
    if notification_id is not None and changed == 0 and not _is_own_read(session, user_id, notification_id):
        raise NotFound("通知不存在", "Notification not found")
    session.commit()
    return changed


def case_of(session: Session, subject: Subject, notification_id: int) -> int | None:
    """The case one of the caller's notices is about (None for someone else's or a notice without a case)."""
    row = session.get(Notification, notification_id)
    return row.case_id if row is not None and row.user_id == subject.id else None


def _is_own_read(session: Session, user_id: int, notification_id: int) -> bool:
    row = session.get(Notification, notification_id)
    return row is not None and row.user_id == user_id


def _own(subject: Subject) -> int:
    if subject.kind != "user" or not subject.id:
        raise NotFound("只有登录用户有站内信", "Only signed-in users have an inbox")
    return subject.id
