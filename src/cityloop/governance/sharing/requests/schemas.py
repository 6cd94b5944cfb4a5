"""Sharing request payloads."""

from __future__ import annotations

from datetime import date, datetime

from pydantic import BaseModel, Field


class RequestIn(BaseModel):
    """A unit asks for some fields of a resource, for a purpose and a period, optionally bounded to an area."""

    resource_code: str = Field(max_length=40)
    purpose: str = Field(max_length=2000, description="What the data is for (at least 5 characters)")
    fields: list[str] = Field(max_length=60, description="A subset of the resource's fields")
    masked: bool = Field(default=True, description="Personal fields masked by the field catalogue's rules")
    starts_on: date
    ends_on: date
    area_code: str = Field(default="", max_length=12, description="Division-code prefix the rows must lie in; "
                           "empty for the whole city")
    rate_per_minute: int | None = Field(default=None, ge=1, le=100_000, description="Calls per minute; default "
                                        "`share_rate_per_minute`")


class ReasonIn(BaseModel):
    """Why a request is rejected or a grant revoked (required for those two)."""

    reason: str = Field(default="", max_length=2000)


class EventOut(BaseModel):
    """One step of a request's history."""

    action: str
    from_state: str
    to_state: str
    actor: str
    note: str
    at: datetime


class RequestOut(BaseModel):
    """A request with its state; `key` holds the clear sharing key once, in the answer to the final approval."""

    id: int
    resource_code: str
    resource_title: str
    owner_unit: str
    requester: str
    consumer_unit_id: int
    consumer_unit: str
    purpose: str
    fields: list[str]
    masked: bool
    starts_on: date
    ends_on: date
    area_code: str
    rate_per_minute: int
    state: str
    state_label: str
    needs_bureau: bool = Field(description="The resource holds 重要/核心 data: the data bureau approves too")
    reason: str
    created_at: datetime
    key_prefix: str | None = None
    expires_at: datetime | None = None
    events: list[EventOut] = Field(default_factory=list)
    key: str | None = Field(default=None, description="The clear key, shown once on the final approval")
