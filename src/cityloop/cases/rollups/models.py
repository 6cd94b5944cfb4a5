"""Rollup tables: the counts themselves, the days each case last counted on, and the job's watermark."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from cityloop.kit.db import Base

# Each count of cases.kpi is dated by one of these columns; a case adds to the row of each of its days.
DATED_BY = ("received_at", "deadline", "completed_at", "closed_at")
COUNT_COLUMNS = ("received", "dispatched", "dispatched_in_time", "signed_on_time", "reassigned", "invalid", "merged",
                 "due", "due_completed", "due_completed_on_time", "completed", "revisited", "satisfied", "redone",
                 "closed", "first_time_resolved")
DIVISION_LENGTH = 9  # street level: finer areas (communities) are answered from the cases themselves


class _Counts:
    """The KPI counts a rollup row carries (each dated by its own column: received, deadline, completed, closed)."""

    received: Mapped[int] = mapped_column(default=0)
    dispatched: Mapped[int] = mapped_column(default=0)
    dispatched_in_time: Mapped[int] = mapped_column(default=0)
    signed_on_time: Mapped[int] = mapped_column(default=0)
    reassigned: Mapped[int] = mapped_column(default=0)
    invalid: Mapped[int] = mapped_column(default=0)
    merged: Mapped[int] = mapped_column(default=0)
    due: Mapped[int] = mapped_column(default=0)
    due_completed: Mapped[int] = mapped_column(default=0)
    due_completed_on_time: Mapped[int] = mapped_column(default=0)
    due_open: Mapped[int] = mapped_column(default=0)  # due this day and still open: overdue once the day is over
    completed: Mapped[int] = mapped_column(default=0)
    revisited: Mapped[int] = mapped_column(default=0)
    satisfied: Mapped[int] = mapped_column(default=0)
    redone: Mapped[int] = mapped_column(default=0)
    closed: Mapped[int] = mapped_column(default=0)
    first_time_resolved: Mapped[int] = mapped_column(default=0)
    hours: Mapped[float] = mapped_column(default=0.0)


class CaseRollup(_Counts, Base):
    """The counts of one local day for one street, unit, category and channel."""

    __tablename__ = "case_rollups"

    day: Mapped[str] = mapped_column(String(10), primary_key=True)
    division_code: Mapped[str] = mapped_column(String(12), primary_key=True)
    unit_id: Mapped[int] = mapped_column(primary_key=True)  # 0: no unit yet
    category_code: Mapped[str] = mapped_column(String(40), primary_key=True)  # "": uncategorised
    channel: Mapped[str] = mapped_column(String(16), primary_key=True)


class CaseAreaRollup(_Counts, Base):
    """The same counts per local day, street and unit only: a hundred times fewer rows for area and unit KPIs."""

    __tablename__ = "case_area_rollups"

    day: Mapped[str] = mapped_column(String(10), primary_key=True)
    division_code: Mapped[str] = mapped_column(String(12), primary_key=True)
    unit_id: Mapped[int] = mapped_column(primary_key=True)


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
