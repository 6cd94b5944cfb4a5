"""Tables of early warning: alerts with a state, and their append-only history."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import Date, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from cityloop.kit.auth import Role
from cityloop.kit.clock import utcnow
from cityloop.kit.db import Base, TimestampMixin, append_only


class AlertKind(StrEnum):
    """What raised the alert (warnings.py computes each)."""

    SPIKE = "spike"
    REPEAT_PLACE = "repeat_place"
    REPEAT_CALLER = "repeat_caller"


KIND_META: dict[AlertKind, tuple[str, str]] = {
    AlertKind.SPIKE: ("诉求量异常升高", "Spike in cases"),
    AlertKind.REPEAT_PLACE: ("同一地点重复投诉", "Repeated complaints from one place"),
    AlertKind.REPEAT_CALLER: ("同一来电人重复投诉", "Repeated complaints from one caller"),
}


class AlertState(StrEnum):
    """Where an alert stands."""

    OPEN = "open"
    ACKNOWLEDGED = "acknowledged"
    RESOLVED = "resolved"
    DISMISSED = "dismissed"


STATE_META: dict[AlertState, tuple[str, str, str]] = {
    AlertState.OPEN: ("待处理", "Open", "#ff4d4f"),
    AlertState.ACKNOWLEDGED: ("已认领", "Acknowledged", "#fa8c16"),
    AlertState.RESOLVED: ("已解决", "Resolved", "#52c41a"),
    AlertState.DISMISSED: ("已忽略", "Dismissed", "#8c8c8c"),
}
ACTIVE_STATES = frozenset({AlertState.OPEN, AlertState.ACKNOWLEDGED})


class AlertAction(StrEnum):
    """What a supervisor can do with an alert."""

    ACKNOWLEDGE = "acknowledge"
    RESOLVE = "resolve"
    DISMISS = "dismiss"


# action → (states it may start from, state it leads to): the one transition table the service enforces.
TRANSITIONS: dict[AlertAction, tuple[frozenset[AlertState], AlertState]] = {
    AlertAction.ACKNOWLEDGE: (frozenset({AlertState.OPEN}), AlertState.ACKNOWLEDGED),
    AlertAction.RESOLVE: (ACTIVE_STATES, AlertState.RESOLVED),
    AlertAction.DISMISS: (ACTIVE_STATES, AlertState.DISMISSED),
}
READ_ROLES = (Role.SUPERVISOR, Role.LEADER, Role.DISPATCHER)
ACT_ROLES = (Role.SUPERVISOR, Role.LEADER)


class Alert(TimestampMixin, Base):
    """One early-warning signal for an area, routed to the supervisors of that area."""

    __tablename__ = "intel_alerts"
    __table_args__ = (
        # Idempotency of the scan: one alert per kind, subject key and day.
        UniqueConstraint("kind", "day", "key", name="uq_intel_alerts_kind_day_key"),
        Index("ix_intel_alerts_scope_state", "division_code", "state"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(16))
    key: Mapped[str] = mapped_column(String(200))
    day: Mapped[date] = mapped_column(Date, index=True)
    division_code: Mapped[str] = mapped_column(String(12))
    category_code: Mapped[str | None] = mapped_column(String(40))
    grid_code: Mapped[str | None] = mapped_column(String(16))
    observed: Mapped[int] = mapped_column()
    expected: Mapped[float] = mapped_column()
    p_value: Mapped[float] = mapped_column()
    window_start: Mapped[date] = mapped_column(Date)
    window_end: Mapped[date] = mapped_column(Date)
    evidence: Mapped[dict[str, Any]] = mapped_column(default=dict)
    state: Mapped[str] = mapped_column(String(16), default=AlertState.OPEN)
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"))
    assignee_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    row_version: Mapped[int] = mapped_column(default=1)

    __mapper_args__ = {"version_id_col": row_version}  # noqa: RUF012 - SQLAlchemy reads a plain dict


class AlertEvent(Base):
    """One immutable step in an alert's history."""

    __tablename__ = "intel_alert_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    alert_id: Mapped[int] = mapped_column(ForeignKey("intel_alerts.id"), index=True)
    action: Mapped[str] = mapped_column(String(16))
    from_state: Mapped[str | None] = mapped_column(String(16))
    to_state: Mapped[str] = mapped_column(String(16))
    actor_id: Mapped[int | None] = mapped_column()
    actor_name: Mapped[str] = mapped_column(String(80))
    at: Mapped[datetime] = mapped_column(default=utcnow)
    note: Mapped[str] = mapped_column(Text, default="")


append_only(AlertEvent)
