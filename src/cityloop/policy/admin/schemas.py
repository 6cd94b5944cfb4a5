"""Policy editor payloads."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel


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


class PreviewOut(BaseModel):
    """How many subjects are eligible, one criterion short, and checked."""

    eligible: int
    near_miss: int
    total: int
