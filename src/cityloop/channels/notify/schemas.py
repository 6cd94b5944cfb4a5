"""Shapes of the notify API."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator
from pydantic_core import PydanticCustomError

from cityloop.kit.phones import MESSAGE as PHONE_MESSAGE
from cityloop.kit.phones import normalize_phone


class TemplateOut(BaseModel):
    """One template in force."""

    kind: str
    lang: str
    audience: str = Field(description="citizen or handler")
    placeholders: list[str] = Field(description="Names the text may use in braces, e.g. {number}")
    text: str
    edited: bool = Field(description="The administrators' text differs from the seed")
    updated_by: str
    updated_at: datetime | None


class TemplateIn(BaseModel):
    """A new text for one kind and language."""

    model_config = ConfigDict(extra="forbid")

    kind: str = Field(min_length=1, max_length=30)
    lang: Literal["zh", "en"]
    text: str = Field(min_length=1, max_length=500)


class AttemptOut(BaseModel):
    """One try at delivering a message."""

    attempt: int
    gateway: str
    recipient: str = Field(description="Masked phone or the webhook address")
    ok: bool
    error: str
    at: datetime


class DeliveryOut(BaseModel):
    """One outbox message with its delivery state."""

    id: int
    channel: str
    kind: str
    case_id: int | None
    recipient: str = Field(description="Phone (masked unless the caller may read personal data) or address")
    text: str
    status: str
    attempts: int
    next_attempt_at: datetime
    last_error: str
    created_at: datetime
    sent_at: datetime | None
    log: list[AttemptOut] = Field(default_factory=list)


class DeliveryPage(BaseModel):
    """A page of outbox messages."""

    items: list[DeliveryOut]
    total: int
    offset: int
    limit: int


class OptOutIn(BaseModel):
    """Stop SMS to a phone number (staff recording a caller's wish) or, without one, to the caller's own account."""

    model_config = ConfigDict(extra="forbid")

    phone: str | None = Field(default=None, max_length=20)

    @field_validator("phone")
    @classmethod
    def _mainland_phone(cls, value: str | None) -> str | None:
        if value is None:
            return None
        normal = normalize_phone(value)
        if normal is None:
            raise PydanticCustomError("phone_invalid", "{zh} / {en}", {"zh": PHONE_MESSAGE[0], "en": PHONE_MESSAGE[1]})
        return normal


class OptOutOut(BaseModel):
    """The recorded opt-out."""

    id: int
    user_id: int | None
    phone: str | None = Field(description="Masked")
    created_at: datetime
