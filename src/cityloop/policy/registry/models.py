"""The registries policies match against: enterprises (by 统一社会信用代码), persons, and import runs."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import Index, String
from sqlalchemy.orm import Mapped, mapped_column

from cityloop.kit.crypto import ENCRYPTED, KEYED_DIGEST, blind_index_of
from cityloop.kit.db import Base, TimestampMixin


class Enterprise(TimestampMixin, Base):
    """An enterprise with the attributes policies ask about."""

    __tablename__ = "policy_enterprises"

    id: Mapped[int] = mapped_column(primary_key=True)
    uscc: Mapped[str] = mapped_column(String(18), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    industry: Mapped[str] = mapped_column(String(60), default="")
    scale: Mapped[str] = mapped_column(String(20), default="")
    registered_year: Mapped[int] = mapped_column()
    division_code: Mapped[str] = mapped_column(String(12), index=True)
    employees: Mapped[int] = mapped_column(default=0)
    revenue: Mapped[float] = mapped_column(default=0.0)
    tax_credit: Mapped[str] = mapped_column(String(10), default="")
    high_tech: Mapped[bool] = mapped_column(default=False)
    rnd_ratio: Mapped[float] = mapped_column(default=0.0)
    extra: Mapped[dict[str, Any]] = mapped_column(default=dict)
    # Keyed digest of the imported row: a re-import skips rows whose digest is unchanged.
    row_hash: Mapped[str | None] = mapped_column(String(64), info=KEYED_DIGEST)


class Person(TimestampMixin, Base):
    """A resident; the ID number and name are encrypted, found again by the ID number's blind index."""

    __tablename__ = "policy_persons"

    id: Mapped[int] = mapped_column(primary_key=True)
    id_number: Mapped[str] = mapped_column(String(255), info=ENCRYPTED)
    id_index: Mapped[str] = mapped_column(String(32), unique=True, info=blind_index_of("id_number"))
    name: Mapped[str] = mapped_column(String(255), info=ENCRYPTED)
    birth_date: Mapped[date] = mapped_column()
    sex: Mapped[str] = mapped_column(String(1))
    division_code: Mapped[str] = mapped_column(String(12), index=True)
    disability_level: Mapped[int] = mapped_column(default=0)
    low_income: Mapped[bool] = mapped_column(default=False)
    veteran: Mapped[bool] = mapped_column(default=False)
    elderly_alone: Mapped[bool] = mapped_column(default=False)
    employment: Mapped[str] = mapped_column(String(20), default="")
    extra: Mapped[dict[str, Any]] = mapped_column(default=dict)
    row_hash: Mapped[str | None] = mapped_column(String(64), info=KEYED_DIGEST)


class ImportRun(TimestampMixin, Base):
    """One registry import of one file (by SHA-256), committed chunk by chunk so a crash can be resumed."""

    __tablename__ = "policy_import_runs"
    __table_args__ = (Index("ix_policy_import_runs_kind_sha256", "kind", "sha256"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(20))  # enterprise | person
    sha256: Mapped[str] = mapped_column(String(64))
    filename: Mapped[str] = mapped_column(String(200), default="")
    state: Mapped[str] = mapped_column(String(10), default="running")  # running | done
    chunk_size: Mapped[int] = mapped_column()
    chunks_total: Mapped[int] = mapped_column()
    chunks_done: Mapped[int] = mapped_column(default=0)
    created: Mapped[int] = mapped_column(default=0)
    updated: Mapped[int] = mapped_column(default=0)
    unchanged: Mapped[int] = mapped_column(default=0)
    rejected: Mapped[int] = mapped_column(default=0)
