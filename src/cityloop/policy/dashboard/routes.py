"""Policy dashboard API (leaders, supervisors, administrators; scoped to the caller's area)."""

from __future__ import annotations

from dataclasses import asdict
from typing import Annotated, Any

from fastapi import APIRouter, Query

from cityloop.accounts.deps import CurrentSubject
from cityloop.kit.deps import DbSession, Lang
from cityloop.kit.errors import Forbidden, error_responses
from cityloop.policy.dashboard import service

router = APIRouter(prefix="/api/v1/policy", tags=["policy"])


@router.get("/dashboard", responses=error_responses(Forbidden))
def dashboard(session: DbSession, subject: CurrentSubject, lang: Lang,
              division_code: Annotated[str, Query(pattern=r"^([0-9]{2,12})?$")] = "") -> dict[str, Any]:
    """Per policy eligible, near-miss, notified, tasks, paid, amount, median days to pay; per area and industry."""
    return asdict(service.dashboard(session, subject, division_code, lang))
