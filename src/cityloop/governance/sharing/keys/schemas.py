"""Shared data API answers and usage statistics."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, Field


class SharePage(BaseModel):
    """One page of a resource's granted rows."""

    resource: str
    fields: list[str] = Field(description="The granted fields, the only keys of every item")
    masked: bool = Field(description="Personal fields masked by the field catalogue's rules")
    area_code: str = Field(description="Rows lie in this division (empty: the whole city)")
    items: list[dict[str, Any]]
    next_cursor: str | None = Field(default=None, description="Pass as `after` for the next page")


class UsageRow(BaseModel):
    """Calls made with sharing keys, per consumer unit or per resource."""

    id: int
    name: str
    calls: int
    ok: int = Field(description="Calls answered with data (200)")
    rows: int
    last_at: datetime | None


class UsageOut(BaseModel):
    """Usage statistics the caller may see."""

    by_consumer: list[UsageRow]
    by_resource: list[UsageRow]
