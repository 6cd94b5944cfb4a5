"""Counts of standings per policy, within an area."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from cityloop.policy.matching.models import PolicyMatch
from cityloop.policy.policies.models import Policy
from cityloop.policy.registry.models import Enterprise


def policies(session: Session) -> list[Policy]:
    """Every policy, by id."""
    return list(session.scalars(select(Policy).order_by(Policy.id)))


def counts(session: Session, scope: str) -> dict[tuple[str, str], int]:
    """(policy, status) → subjects, for enterprises whose division lies under `scope` ("" for all)."""
    stmt: Any = (select(PolicyMatch.policy_id, PolicyMatch.status, func.count())
                 .join(Enterprise, Enterprise.uscc == PolicyMatch.subject_id)
                 .group_by(PolicyMatch.policy_id, PolicyMatch.status))
    if scope:
        stmt = stmt.where(Enterprise.division_code.startswith(scope, autoescape=True))
    return {(p, s): int(n) for p, s, n in session.execute(stmt)}
