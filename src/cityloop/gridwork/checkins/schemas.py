"""Shapes of the check-in API."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from cityloop.kit.clock import LOCAL_TZ


class CheckInIn(BaseModel):
    """A check-in from a grid worker's phone (maybe sent later from an offline queue)."""

    model_config = ConfigDict(extra="forbid")

    point_id: str = Field(min_length=1, max_length=40, description="The point's code (as on its tag)")
    lng: float = Field(ge=-180, le=180)
    lat: float = Field(ge=-90, le=90)
    at: datetime = Field(description="When the worker was there (a time without zone is Beijing time)")
    result: Literal["ok", "problem"]
    note: str = Field(default="", max_length=2000)
    accuracy: float | None = Field(default=None, ge=0, le=100000, description="GPS accuracy in metres")
    token: str | None = Field(default=None, max_length=300, description="The signed token of the point's QR tag")
    method: Literal["gps", "qr", "nfc"] | None = None

    @field_validator("at")
    @classmethod
    def _local_if_naive(cls, value: datetime) -> datetime:
        return value.replace(tzinfo=LOCAL_TZ) if value.tzinfo is None else value


class CheckInOut(BaseModel):
    """A stored check-in."""

    id: int
    point_id: str
    at: datetime
    distance_m: float
    method: str
    result: str
    note: str
    case_id: int | None
    case_number: str | None = None
