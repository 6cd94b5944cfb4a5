"""Shapes of the accounts API."""

from __future__ import annotations

from pydantic import BaseModel, Field


class TokenOut(BaseModel):
    """OAuth2 token response."""

    access_token: str
    token_type: str = "bearer"


class UnitRef(BaseModel):
    """A unit reference."""

    id: int
    name: str


class MeOut(BaseModel):
    """The caller as the API sees them."""

    id: int | None
    username: str
    display_name: str
    roles: list[str]
    unit: UnitRef | None
    scope: str
    kind: str


class PasswordChangeIn(BaseModel):
    """A self-service password change."""

    current_password: str = Field(max_length=200)
    new_password: str = Field(max_length=200)
