"""可享政策 and notice payloads."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, Field


class ReasonOut(BaseModel):
    """A criterion: label, rule in words, and the rule with the subject's actual values."""

    label: str
    rule: str
    text: str


class StandingOut(BaseModel):
    """A policy the caller is eligible for, or one condition short of."""

    policy_id: str
    title: str
    status: str = Field(description="eligible | near_miss")
    no_application: bool = Field(description="免申即享: paid without an application")
    benefit: str
    how: str = Field(description="How to get it (nothing to do for 免申即享)")
    passed: list[ReasonOut]
    missing: list[ReasonOut] = Field(description="Near-misses: the criterion that failed, with the actual value")
    matched_at: datetime


class MineOut(BaseModel):
    """The caller's subject and its policies."""

    linked: bool = Field(description="False until an administrator links the account to its enterprise or person")
    subject_kind: str
    subject_id: str
    name: str
    eligible: list[StandingOut]
    near_miss: list[StandingOut]
    unread: int


class NoticeOut(BaseModel):
    """A 政策找人 notice."""

    id: int
    policy_id: str
    status: str
    text: str
    notified_at: datetime
    read: bool


class NoticesOut(BaseModel):
    """The caller's notices, newest first, and the unread count."""

    items: list[NoticeOut]
    unread: int


class MarkedOut(BaseModel):
    """How many notices were marked read."""

    marked: int
