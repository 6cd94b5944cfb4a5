"""One row per job run: the unique (job, slot) pair is the claim that keeps a second node from running it."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from cityloop.kit.clock import utcnow
from cityloop.kit.db import Base


class JobRun(Base):
    """A claimed run of a periodic job in one slot (the slot is the epoch second divided by the job's period)."""

    __tablename__ = "job_runs"
    __table_args__ = (UniqueConstraint("job", "slot"), Index("ix_job_runs_started_at", "started_at"))

    id: Mapped[int] = mapped_column(primary_key=True)
    job: Mapped[str] = mapped_column(String(60))
    slot: Mapped[int] = mapped_column(BigInteger)
    node: Mapped[str] = mapped_column(String(120))
    started_at: Mapped[datetime] = mapped_column(default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column()
    error: Mapped[str] = mapped_column(Text, default="")
