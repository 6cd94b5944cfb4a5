"""Matching API: the admin editor's live count of subjects unsaved criteria would match."""

from __future__ import annotations

from typing import Any, Literal

from fastapi import APIRouter
from pydantic import BaseModel, Field

from cityloop.accounts.deps import CurrentSubject
from cityloop.kit.deps import DbSession
from cityloop.kit.errors import Forbidden, ValidationFailed, error_responses
from cityloop.policy.matching.preview import preview

router = APIRouter(prefix="/api/v1/policy", tags=["policy"])


class PreviewIn(BaseModel):
    """Criteria being edited: labelled JSON Logic rules over the attributes of `object`."""

    object: Literal["enterprise", "person"]
    criteria: list[dict[str, Any]] = Field(min_length=1, max_length=50)


class PreviewOut(BaseModel):
    """Subjects the criteria would match: eligible, near-miss (one criterion failed), registry size."""

    eligible: int
    near_miss: int
    total: int


@router.post("/preview", response_model=PreviewOut, responses=error_responses(Forbidden, ValidationFailed))
def preview_criteria(body: PreviewIn, session: DbSession, subject: CurrentSubject) -> PreviewOut:
    """Count the registry's subjects the criteria would match, without saving anything (admins)."""
    return PreviewOut(**preview(session, subject, body.object, body.criteria))
