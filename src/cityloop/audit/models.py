"""Tamper-evident audit log: every entry carries the hash of the one before it."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from cityloop.kit.clock import utcnow
from cityloop.kit.db import Base, append_only


class AuditEntry(Base):
    """One audited act (sensitive read, export, administrative change); never updated or deleted."""

    __tablename__ = "audit_entries"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(default=utcnow)
    actor_id: Mapped[int | None] = mapped_column()
    actor_name: Mapped[str] = mapped_column(String(80))
    actor_kind: Mapped[str] = mapped_column(String(12))
    action: Mapped[str] = mapped_column(String(40), index=True)
    object_type: Mapped[str] = mapped_column(String(40))
    object_ids: Mapped[list[Any]] = mapped_column(default=list)
    detail: Mapped[dict[str, Any]] = mapped_column(default=dict)
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))
    chain: Mapped[int] = mapped_column(default=0, server_default="0")  # which of the parallel chains links it


class AuditHead(Base):
    """The newest hash of one chain (id = chain + 1); updating it first orders that chain's writers."""

    __tablename__ = "audit_head"

    id: Mapped[int] = mapped_column(primary_key=True)
    last_hash: Mapped[str] = mapped_column(String(64))
    entries: Mapped[int] = mapped_column(default=0)


class AuditArea(Base):
    """An area an entry concerns (the actor's scope, the objects' divisions); the audit log is scoped by these."""

    __tablename__ = "audit_areas"

    entry_id: Mapped[int] = mapped_column(ForeignKey("audit_entries.id"), primary_key=True)
    division_code: Mapped[str] = mapped_column(String(12), primary_key=True, index=True)


append_only(AuditEntry)
append_only(AuditArea)
