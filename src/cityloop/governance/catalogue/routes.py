"""`GET /api/v1/governance/catalogue`: the field catalogue (administrators)."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from fastapi import APIRouter

from cityloop.accounts.deps import CurrentSubject
from cityloop.governance.catalogue.service import fields
from cityloop.kit.auth import Role
from cityloop.kit.errors import Forbidden, error_responses

router = APIRouter(prefix="/api/v1/governance", tags=["governance"])


@router.get("/catalogue", responses=error_responses(Forbidden))
def catalogue(subject: CurrentSubject) -> list[dict[str, Any]]:
    """Every column with its level (核心/重要/一般), personal-information class and masking rule."""
    if not subject.has(Role.ADMIN):
        raise Forbidden("仅管理员可查看数据分级目录", "Only administrators may read the field catalogue")
    return [asdict(f) for f in fields()]
