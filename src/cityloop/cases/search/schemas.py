"""Shapes of the global search."""

from __future__ import annotations

from pydantic import BaseModel, Field

from cityloop.cases.schemas import CaseOut


class SearchOut(BaseModel):
    """Matches, best first: the case with that number, then tracking code, phone and word matches."""

    q: str
    items: list[CaseOut]
    matched_by: list[str] = Field(description="Per item: number, lookup_code, phone or words")
