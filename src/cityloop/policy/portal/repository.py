"""Queries of one subject's standings."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from cityloop.policy.matching.models import PolicyMatch
from cityloop.policy.policies.models import Policy
from cityloop.policy.registry.models import Enterprise


def standings(session: Session, kind: str, subject_id: str) -> list[tuple[PolicyMatch, Policy]]:
    """The subject's eligible and near-miss rows with their (active) policies; only policies for its kind."""
    stmt = (select(PolicyMatch, Policy).join(Policy, Policy.id == PolicyMatch.policy_id)
            .where(PolicyMatch.subject_id == subject_id, Policy.object == kind, Policy.is_active.is_(True))
            .order_by(PolicyMatch.status, Policy.title))
    return [(m, p) for m, p in session.execute(stmt).tuples()]


def enterprise_name(session: Session, uscc: str) -> str:
    """The registered name of an enterprise (empty when unknown)."""
    return session.scalar(select(Enterprise.name).where(Enterprise.uscc == uscc)) or ""
