"""Shapes of the accounts API."""

from __future__ import annotations

from pydantic import BaseModel


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
