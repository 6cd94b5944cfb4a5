"""Shapes of the inbox API."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel


class NotificationOut(BaseModel):
    """One notice as its recipient sees it."""

    id: int
    kind: str
    case_id: int | None
    text: str
    sender: str
    reply_by: datetime | None
    created_at: datetime
    read: bool


class NotificationPage(BaseModel):
    """A page of the caller's notices with the unread count."""

    items: list[NotificationOut]
    total: int
    unread: int
    offset: int
    limit: int


class MarkedOut(BaseModel):
    """How many notices changed to read."""

    marked: int
