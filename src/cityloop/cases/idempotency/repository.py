"""SQL for idempotency keys."""

from __future__ import annotations

import hashlib

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from cityloop.cases.idempotency.models import IdempotencyKey

# First half of PostgreSQL's two-number advisory lock key: keeps these locks apart from any other use.
_LOCK_SPACE = 0x1DE3


def add(session: Session, key: str, fingerprint: str, case_id: int) -> None:
    """Record a used key (the primary key raises IntegrityError on flush if it is taken)."""
    session.add(IdempotencyKey(key=key, fingerprint=fingerprint, case_id=case_id))
    session.flush()


def get(session: Session, key: str) -> IdempotencyKey | None:
    """The record of a key, read fresh from the database."""
    return session.get(IdempotencyKey, key, populate_existing=True)


def try_lock(session: Session, key: str) -> bool:
    """PostgreSQL: take the key's advisory lock until the transaction ends; False if another one holds it."""
    number = int.from_bytes(hashlib.sha256(key.encode()).digest()[:4], "big", signed=True)
    return bool(session.scalar(select(func.pg_try_advisory_xact_lock(_LOCK_SPACE, number))))
