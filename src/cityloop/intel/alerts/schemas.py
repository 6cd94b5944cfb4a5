"""Pydantic shapes of the alert and hot-issue API."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from pydantic import BaseModel, Field


class AlertOut(BaseModel):
    """One early-warning alert with a readable title."""

    id: int
    kind: str
    kind_label: str
    state: str
    state_label: str
    colour: str
    day: date
    division_code: str
    area: str
    grid_code: str | None
    category_code: str | None
    category: str
    observed: int
    expected: float
    p_value: float
    unit_id: int | None
    case_ids: list[int]
    title: str
    row_version: int = Field(description="Send it back with an action to detect concurrent changes")
    evidence: dict[str, Any]


class AlertPage(BaseModel):
    """A page of alerts."""

    items: list[AlertOut]
    total: int
    offset: int
    limit: int


class AlertEventOut(BaseModel):
    """One step of an alert's history."""

    model_config = {"from_attributes": True}

    action: str
    from_state: str | None
    to_state: str
    actor_name: str
    at: datetime
    note: str


class AlertActionIn(BaseModel):
    """Body of an alert action (optional)."""

    note: str = Field(default="", max_length=2000)
    row_version: int | None = Field(default=None, ge=1, description="The version you saw; 409 if it changed")


class HotIssueOut(BaseModel):
    """One live hot issue (热点问题) over the caller's cases."""

    rank: int
    issue_id: int
    heat: float
    start: datetime
    end: datetime
    place: str
    description: str
    n_messages: int
    n_reporters: int
    growth: float
    case_ids: list[int]
    label: str
    count: int


class HotIssueList(BaseModel):
    """Live hot issues of one area and window."""

    division_code: str
    days: int
    as_of: datetime = Field(description="When these issues were computed (results are cached for a few minutes)")
    considered: int = Field(description="Cases of the window that were clustered (the newest ones)")
    truncated: bool = Field(description="True when the window held more cases than the per-request limit "
                            "(CITYLOOP_HOTSPOTS_MAX_CASES); older ones were left out")
    covered_from: datetime | None = Field(description="When truncated: receipt time of the oldest case clustered")
    items: list[HotIssueOut]
