"""Link payloads."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field

from cityloop.kit.db import MAX_ID


class LinkIn(BaseModel):
    """Tie a firm or citizen account to its registry subject (and optionally record its contact phone)."""

    user_id: int = Field(ge=1, le=MAX_ID)
    subject_kind: Literal["enterprise", "person"]
    subject_id: str = Field(min_length=1, max_length=40, description="统一社会信用代码 or person id")
    phone: str | None = Field(None, max_length=40, description="Contact phone for 政策找人 SMS")


class LinkOut(BaseModel):
    """A link; the phone is masked unless the reader may see personal data."""

    user_id: int
    username: str
    subject_kind: str
    subject_id: str
    phone: str | None
