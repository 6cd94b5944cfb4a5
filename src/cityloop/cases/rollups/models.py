"""Rollup tables: the counts themselves, the days each case last counted on, and the job's watermark."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from cityloop.kit.db import Base

# Each tally of cases.kpi is dated by one of these columns; a rollup slice holds one of them.
DATED_BY = ("received_at", "deadline", "completed_at", "closed_at")
TALLY_COLUMNS = ("t_received", "t_dispatched", "t_dispatched_in_time", "t_signed_on_time", "t_reassigned", "t_due",
                 "t_due_completed", "t_due_on_time", "t_completed", "t_revisited", "t_satisfied", "t_redone",
                 "t_closed", "t_first_time")


class CaseRollup(Base):
    """Counts of the cases whose `dated_by` column falls on `day` (local), per grouping key."""

    __tablename__ = "case_rollups"

    day: Mapped[str] = mapped_column(String(10), primary_key=True)
    dated_by: Mapped[str] = mapped_column(String(16), primary_key=True)
    division_code: Mapped[str] = mapped_column(String(12), primary_key=True)
    unit_id: Mapped[int] = mapped_column(primary_key=True)  # 0: no unit yet
    category_code: Mapped[str] = mapped_column(String(40), primary_key=True)  # "": uncategorised
    channel: Mapped[str] = mapped_column(String(16), primary_key=True)
    state: Mapped[str] = mapped_column(String(20), primary_key=True)
    t_received: Mapped[int] = mapped_column(default=0)
    t_dispatched: Mapped[int] = mapped_column(default=0)
    t_dispatched_in_time: Mapped[int] = mapped_column(default=0)
    t_signed_on_time: Mapped[int] = mapped_column(default=0)
    t_reassigned: Mapped[int] = mapped_column(default=0)
    t_due: Mapped[int] = mapped_column(default=0)
    t_due_completed: Mapped[int] = mapped_column(default=0)
    t_due_on_time: Mapped[int] = mapped_column(default=0)
    t_completed: Mapped[int] = mapped_column(default=0)
    t_revisited: Mapped[int] = mapped_column(default=0)
    t_satisfied: Mapped[int] = mapped_column(default=0)
    t_redone: Mapped[int] = mapped_column(default=0)
    t_closed: Mapped[int] = mapped_column(default=0)
    t_first_time: Mapped[int] = mapped_column(default=0)
    hours: Mapped[float] = mapped_column(default=0.0)


class CaseRollupMark(Base):
    """The local days a case was last counted on, so a moved deadline also refreshes the day it left."""

    __tablename__ = "case_rollup_marks"

    case_id: Mapped[int] = mapped_column(primary_key=True)
    received_at: Mapped[str | None] = mapped_column(String(10))
    deadline: Mapped[str | None] = mapped_column(String(10))
    completed_at: Mapped[str | None] = mapped_column(String(10))
    closed_at: Mapped[str | None] = mapped_column(String(10))


class RollupState(Base):
    """The catch-up job's progress: cases updated after `watermark` (less a safety lag) are looked at again."""

    __tablename__ = "rollup_state"

    id: Mapped[int] = mapped_column(primary_key=True)
    watermark: Mapped[datetime | None] = mapped_column()
    refreshed_at: Mapped[datetime | None] = mapped_column()
    full_built: Mapped[bool] = mapped_column(default=False)
