"""All SQL of the notify channel."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Select, false, func, or_, select, update
from sqlalchemy.orm import Session

from cityloop.accounts.models import User
from cityloop.channels.notify.models import DeliveryAttempt, OptOut, OutboxMessage, Template


def template(session: Session, kind: str, lang: str) -> Template | None:
    """The stored template of a kind and language."""
    return session.scalar(select(Template).where(Template.kind == kind, Template.lang == lang))


def templates_fingerprint(session: Session) -> tuple[object, ...]:
    """Changes whenever a template is added or edited (count and newest edit)."""
    return session.execute(select(func.count(), func.max(Template.updated_at)).select_from(Template)).one()._tuple()


def templates(session: Session) -> list[Template]:
    """Every stored template."""
    return list(session.scalars(select(Template).order_by(Template.kind, Template.lang)))


def due(session: Session, now: datetime, limit: int) -> list[int]:
    """Ids of pending messages whose time has come, oldest first."""
    stmt = (select(OutboxMessage.id).where(OutboxMessage.status == "pending", OutboxMessage.next_attempt_at <= now)
            .order_by(OutboxMessage.id).limit(limit))
    return list(session.scalars(stmt))


def claim(session: Session, message_id: int, now: datetime, until: datetime) -> bool:
    """Take a due message until `until` (a lease); False when another sender took it first."""
    stmt = (update(OutboxMessage).where(OutboxMessage.id == message_id, OutboxMessage.status == "pending",
                                        OutboxMessage.next_attempt_at <= now)
            .values(next_attempt_at=until).execution_options(synchronize_session=False))
    return bool(session.execute(stmt).rowcount)  # type: ignore[attr-defined]  # CursorResult has rowcount


def opted_out(session: Session, user_id: int | None, phone_index: str | None) -> bool:
    """True when the account or the phone number asked for no SMS."""
    conds = [c for c in (OptOut.user_id == user_id if user_id else None,
                         OptOut.phone_index == phone_index if phone_index else None) if c is not None]
    if not conds:
        return False
    # Core on the session's connection: asked for every SMS of an intake, and must not flush its half-built rows.
    return bool(session.connection().scalar(select(OptOut.id).where(or_(*conds)).limit(1)))


def opt_out_of(session: Session, user_id: int | None, phone_index: str | None) -> OptOut | None:
    """The opt-out row of an account or a phone number."""
    if user_id:
        return session.scalar(select(OptOut).where(OptOut.user_id == user_id))
    return session.scalar(select(OptOut).where(OptOut.phone_index == phone_index))


def user_phone(session: Session, user_id: int) -> str | None:
    """One account's phone (Core: asked for every notice that may go out by SMS)."""
    return session.connection().scalar(select(User.phone).where(User.id == user_id))


def user(session: Session, user_id: int) -> User | None:
    """One account."""
    return session.get(User, user_id)


def _scoped(stmt: Select[tuple[OutboxMessage]], scope: str | None) -> Select[tuple[OutboxMessage]]:
    # Messages carry their case's division; None is the unrestricted view (the system), "" sees nothing.
    if scope is None:
        return stmt
    return stmt.where(OutboxMessage.division_code.startswith(scope, autoescape=True) if scope else false())


def page(session: Session, scope: str | None, status: str | None, channel: str | None, offset: int, limit: int
         ) -> tuple[list[OutboxMessage], int]:
    """A page of messages in the area, newest first, and their total."""
    stmt = _scoped(select(OutboxMessage), scope)
    if status:
        stmt = stmt.where(OutboxMessage.status == status)
    if channel:
        stmt = stmt.where(OutboxMessage.channel == channel)
    total = int(session.scalar(select(func.count()).select_from(stmt.subquery())) or 0)
    rows = session.scalars(stmt.order_by(OutboxMessage.id.desc()).offset(offset).limit(limit))
    return list(rows), total


def message(session: Session, scope: str | None, message_id: int) -> OutboxMessage | None:
    """One message in the area."""
    return session.scalar(_scoped(select(OutboxMessage), scope).where(OutboxMessage.id == message_id))


def attempts_of(session: Session, outbox_ids: list[int]) -> list[DeliveryAttempt]:
    """The delivery log of some messages, in order."""
    stmt = select(DeliveryAttempt).where(DeliveryAttempt.outbox_id.in_(outbox_ids)).order_by(DeliveryAttempt.id)
    return list(session.scalars(stmt))
