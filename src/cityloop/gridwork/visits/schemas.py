"""Shapes of the visit API."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from cityloop.kit.clock import LOCAL_TZ


class VisitIn(BaseModel):
    """A visit recorded on the phone."""

    model_config = ConfigDict(extra="forbid")

    plan: str = Field(min_length=1, max_length=30, description="Visit plan key (e.g. lonely_elderly, firms)")
    element_code: str = Field(min_length=1, max_length=40)
    at: datetime
    result: Literal["ok", "problem"]
    finding: str = Field(default="", max_length=2000)

    @field_validator("at")
    @classmethod
    def _local_if_naive(cls, value: datetime) -> datetime:
        return value.replace(tzinfo=LOCAL_TZ) if value.tzinfo is None else value


class VisitOut(BaseModel):
    """A stored visit."""

    id: int
    plan: str
    element_code: str
    at: datetime
    result: str
    finding: str
    case_id: int | None


class DueVisit(BaseModel):
    """An element on a visit list: who or what, its plan, when last visited, whether a visit is due."""

    plan: str
    plan_label: str
    element_code: str
    label: str
    address: str
    last_visited_at: datetime | None
    due: bool
