"""SQL for idempotency keys."""

from __future__ import annotations

import hashlib
from typing import Any

from sqlalchemy import Select, func, literal, select, true
from sqlalchemy.orm import Session

from cityloop.cases.idempotency.models import IdempotencyKey

KEYS = IdempotencyKey.__table__

# First half of PostgreSQL's two-number advisory lock key: keeps these locks apart from any other use.
_LOCK_SPACE = 0x1DE3


Stored = tuple[str | None, int]  # (fingerprint, case id) of a used key


def get(session: Session, key: str) -> Stored | None:
    """The record of a key, read fresh from the database."""
    row = session.connection().execute(_stored(key)).one_or_none()
    return (row.fingerprint, row.case_id) if row else None


def lock_and_get(session: Session, key: str) -> tuple[bool, Stored | None]:
    """PostgreSQL, one round trip: take the key's advisory lock until the transaction ends (False if another
    transaction holds it) and read its record. A record committed between the two is caught by the key's unique
    index when the case is stored, and replayed then."""
    number = int.from_bytes(hashlib.sha256(key.encode()).digest()[:4], "big", signed=True)
    found = _stored(key).subquery()
    stmt = select(func.pg_try_advisory_xact_lock(_LOCK_SPACE, number).label("locked"), found.c.fingerprint,
                  found.c.case_id).select_from(select(literal(1)).subquery().outerjoin(found, true()))
    row = session.connection().execute(stmt).one()
    return bool(row.locked), (row.fingerprint, row.case_id) if row.case_id is not None else None


def _stored(key: str) -> Select[Any]:
    return select(KEYS.c.fingerprint, KEYS.c.case_id).where(KEYS.c.key == key)
