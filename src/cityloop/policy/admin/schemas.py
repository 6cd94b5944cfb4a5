"""Policy editor payloads."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field


class PolicyRowOut(BaseModel):
    """A policy with its eligible and near-miss counts in the caller's area."""

    id: str
    title: str
    object: str
    no_application: bool
    is_active: bool
    criteria: list[Any]
    eligible: int
    near_miss: int


class PreviewIn(BaseModel):
    """Criteria to count (the contract of POST /api/v1/policy/preview)."""

    object: str = Field("enterprise", max_length=20)
    criteria: list[Any] = Field(max_length=50)


class PreviewOut(BaseModel):
    """How many subjects are eligible, one criterion short, and checked."""

    eligible: int
    near_miss: int
    total: int
