"""One row per used Idempotency-Key: the body it came with and the case it made (committed with the case)."""

from __future__ import annotations

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from cityloop.kit.crypto import KEYED_DIGEST
from cityloop.kit.db import Base


class IdempotencyKey(Base):
    """A key (namespaced by submitter) and its request's fingerprint."""

    __tablename__ = "idempotency_keys"

    key: Mapped[str] = mapped_column(String(120), primary_key=True)
    # Keyed digest of the request body; empty for keys recorded before fingerprints (or a key rotation).
    fingerprint: Mapped[str | None] = mapped_column(String(64), info=KEYED_DIGEST)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"))
