"""Policy editor API (administrators): counts and re-match (the preview is POST /api/v1/policy/preview)."""

from __future__ import annotations

from dataclasses import asdict
from typing import Annotated

from fastapi import APIRouter, Path

from cityloop.accounts.deps import CurrentSubject
from cityloop.kit.deps import DbSession
from cityloop.kit.errors import Forbidden, NotFound, error_responses
from cityloop.policy.admin import service
from cityloop.policy.admin.schemas import PolicyRowOut, PreviewOut

router = APIRouter(prefix="/api/v1/policy/admin", tags=["policy"])
PolicyId = Annotated[str, Path(max_length=60)]


@router.get("/policies", response_model=list[PolicyRowOut], responses=error_responses(Forbidden))
def policies(session: DbSession, subject: CurrentSubject) -> list[PolicyRowOut]:
    """Every policy with its eligible and near-miss counts in the caller's area."""
    return [PolicyRowOut(**asdict(r)) for r in service.overview(session, subject)]


@router.post("/policies/{policy_id}/match", response_model=PreviewOut,
             responses=error_responses(Forbidden, NotFound))
def rematch(policy_id: PolicyId, session: DbSession, subject: CurrentSubject) -> PreviewOut:
    """Match one policy again over the whole registry (stored standings and notices follow)."""
    return PreviewOut(**asdict(service.rematch(session, subject, policy_id)))
