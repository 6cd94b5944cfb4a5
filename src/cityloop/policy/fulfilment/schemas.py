"""Fulfilment API shapes."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, Field


class Label(BaseModel):
    """A label in both languages."""

    zh: str
    en: str


class FulfilmentOut(BaseModel):
    """One task; the subject's name is masked unless the caller may read personal data."""

    id: int
    policy_id: str
    policy_title: str
    policy_version: int
    subject_kind: str
    subject_id: str
    subject_name: str
    division_code: str
    stage: str
    stage_label: Label
    amount: float | None
    stage_due: datetime | None
    overdue: bool
    reason: str
    created_at: datetime
    paid_at: datetime | None
    next_actions: list[str]


class EventOut(BaseModel):
    """One step of a task."""

    at: datetime
    action: str
    from_stage: str
    to_stage: str
    note: str
    actor_id: int | None
    data: dict[str, Any]


class FulfilmentDetailOut(FulfilmentOut):
    """A task with its events."""

    events: list[EventOut]


class ActionIn(BaseModel):
    """A step asked for on a task; a rejection needs its reason in `note`."""

    action: Literal["verify", "approve", "pay", "reject"]
    note: str = Field("", max_length=1000)
