"""Shapes of the task API."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from cityloop.kit.clock import LOCAL_TZ

TASK_KINDS = {"verify": ("核查", "Verify"), "survey": ("排查", "Survey"), "publicity": ("宣传", "Publicity")}


class TaskIn(BaseModel):
    """A new task over points the creator may see."""

    model_config = ConfigDict(extra="forbid")

    title: str = Field(min_length=2, max_length=120)
    kind: Literal["verify", "survey", "publicity"]
    description: str = Field(default="", max_length=2000)
    due_at: datetime = Field(description="A time without zone is Beijing time")
    point_ids: list[str] = Field(min_length=1, max_length=5000, description="Point codes")

    @field_validator("due_at")
    @classmethod
    def _local_if_naive(cls, value: datetime) -> datetime:
        return value.replace(tzinfo=LOCAL_TZ) if value.tzinfo is None else value


class WorkerProgress(BaseModel):
    """One worker's share of a task."""

    user_id: int
    name: str
    done: int
    total: int


class TaskOut(BaseModel):
    """A task with its progress and card."""

    id: int
    title: str
    kind: str
    kind_label: str
    description: str
    due_at: datetime
    created_at: datetime
    done: int
    total: int
    card: str
    workers: list[WorkerProgress]
    pending_points: list[str]
