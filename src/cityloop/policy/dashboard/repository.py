"""Standing and notice counts by policy, area and industry, restricted to an area of enterprises."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from cityloop.areas.divisions.models import Division
from cityloop.policy.matching.models import PolicyMatch
from cityloop.policy.notices.models import PolicyNotice
from cityloop.policy.policies.models import Policy
from cityloop.policy.registry.models import Enterprise


def _in_area(stmt: Any, prefix: str) -> Any:
    # The one area rule of the dashboard: an enterprise counts where it is registered.
    return stmt.where(Enterprise.division_code.startswith(prefix, autoescape=True)) if prefix else stmt


def standings(session: Session, prefix: str, key: Any) -> dict[tuple[str, str], int]:
    """(key, status) → (subject, policy) pairs, for eligible and near-miss."""
    stmt = (select(key, PolicyMatch.status, func.count()).join(Enterprise, Enterprise.uscc == PolicyMatch.subject_id)
            .group_by(key, PolicyMatch.status))
    return {(str(k), s): int(n) for k, s, n in session.execute(_in_area(stmt, prefix))}


def notified(session: Session, prefix: str, key: Any) -> dict[str, int]:
    """key → notices written (站内信, with or without SMS)."""
    stmt = (select(key, func.count()).select_from(PolicyNotice)
            .join(Enterprise, Enterprise.uscc == PolicyNotice.subject_id)
            .where(PolicyNotice.subject_kind == "enterprise").group_by(key))
    return {str(k): int(n) for k, n in session.execute(_in_area(stmt, prefix))}


def policies(session: Session) -> list[Policy]:
    """Every enterprise policy, by id."""
    return list(session.scalars(select(Policy).where(Policy.object == "enterprise").order_by(Policy.id)))


def division_names(session: Session, codes: list[str]) -> dict[str, str]:
    """Names of divisions by code."""
    if not codes:
        return {}
    return {c: n for c, n in session.execute(select(Division.code, Division.name).where(Division.code.in_(codes)))}


def policy_key() -> Any:
    """Group by policy."""
    return PolicyMatch.policy_id


def notice_policy_key() -> Any:
    """Group notices by policy."""
    return PolicyNotice.policy_id


def area_key(length: int) -> Any:
    """Group by the division code cut to `length` (the level below the area shown)."""
    return func.substr(Enterprise.division_code, 1, length)


def industry_key() -> Any:
    """Group by GB/T 4754 section (the industry code's letter)."""
    return func.substr(Enterprise.industry, 1, 1)
