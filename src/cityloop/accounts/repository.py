"""All SQL of the accounts module."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from cityloop.accounts.models import ApiKey, LoginAttempt, Unit, User


def user_by_name(session: Session, username: str) -> User | None:
    """The user called `username`, if any."""
    return session.scalar(select(User).where(User.username == username))


def user_by_id(session: Session, user_id: int) -> User | None:
    """The user with `user_id`, if any."""
    return session.get(User, user_id)


def unit_by_id(session: Session, unit_id: int) -> Unit | None:
    """The unit with `unit_id`, if any."""
    return session.get(Unit, unit_id)


def all_units(session: Session) -> list[Unit]:
    """Every unit, ordered by id."""
    return list(session.scalars(select(Unit).order_by(Unit.id)))


def units_of_type(session: Session, unit_type: str) -> list[Unit]:
    """Active units of one type (e.g. chengguan)."""
    return list(session.scalars(select(Unit).where(Unit.unit_type == unit_type, Unit.is_active.is_(True))))


def child_unit_ids(session: Session, parent_ids: set[int]) -> set[int]:
    """Direct children of the given units."""
    if not parent_ids:
        return set()
    return set(session.scalars(select(Unit.id).where(Unit.parent_id.in_(parent_ids))))


def unit_ids_in_area(session: Session, scope: str) -> set[int]:
    """Units located in the area subtree `scope` (none for an empty scope)."""
    if not scope:
        return set()
    return set(session.scalars(select(Unit.id).where(Unit.division_code.startswith(scope, autoescape=True))))


def api_key_by_prefix(session: Session, prefix: str) -> ApiKey | None:
    """The API key whose public prefix is `prefix`."""
    return session.scalar(select(ApiKey).where(ApiKey.prefix == prefix))


def recent_failures(session: Session, username: str, address: str, since: datetime) -> int:
    """Failed logins of `username` from `address` since `since`."""
    stmt = select(func.count()).where(
        LoginAttempt.username == username,
        LoginAttempt.address == address,
        LoginAttempt.success.is_(False),
        LoginAttempt.at >= since,
    )
    return int(session.scalar(stmt) or 0)


def list_users(session: Session, scope: str) -> list[User]:
    """Users whose scope lies inside `scope` (admins see their subtree)."""
    return list(session.scalars(select(User).where(User.scope_code.startswith(scope)).order_by(User.id)))


def users_over(session: Session, division_code: str) -> list[User]:
    """Active users whose area scope contains `division_code` (their scope is a prefix of it), by id."""
    prefixes = [division_code[:n] for n in range(2, len(division_code) + 1)]
    stmt = select(User).where(User.is_active.is_(True), User.scope_code.in_(prefixes))
    return list(session.scalars(stmt.order_by(User.id)))


def any_user_exists(session: Session) -> bool:
    """True once at least one user exists (the database has been set up)."""
    return session.scalar(select(User.id).limit(1)) is not None


def all_users(session: Session) -> list[User]:
    """Every user, ordered by id."""
    return list(session.scalars(select(User).order_by(User.id)))
