"""Matching, batch and incremental: only the standings that changed are written and announced to the listeners."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session

from cityloop.audit import service as audit
from cityloop.kit.auth import Role, Subject
from cityloop.kit.errors import Forbidden, NotFound
from cityloop.policy.fulfilment import listener  # registers the 免申即享 listener with the hooks
from cityloop.policy.matching import columns, hooks, store
from cityloop.policy.matching.columns import today
from cityloop.policy.matching.engine import Outcome, outcomes, read
from cityloop.policy.matching.hooks import Change
from cityloop.policy.policies.models import Policy
from cityloop.policy.registry.attributes import OBJECTS
from cityloop.policy.registry.models import Enterprise

__all__ = ["Outcome", "listener", "match", "match_one", "rematch_policy", "rematch_subjects", "today"]


def _policies(session: Session, kind: str, policy_id: str | None = None) -> list[Policy]:
    stmt = select(Policy).where(Policy.object == kind).order_by(Policy.id)
    return list(session.scalars(stmt.where(Policy.id == policy_id) if policy_id else stmt))


def _extras(policies: Sequence[Policy]) -> set[str]:
    return {a for p in policies for a in read(p.criteria) if a.startswith(columns.PREFIX)}


def _run(session: Session, kind: str, policies: Sequence[Policy], subject_ids: Sequence[str] | None
         ) -> tuple[list[Outcome], list[Change]]:
    day = today()
    registry = columns.load(session, kind, day, subject_ids, _extras(policies))
    found = [o for policy in policies for o in outcomes(policy, registry, day)]
    # One comparison with the stored rows for all policies: a single query when only a few subjects changed.
    return found, store.save(session, kind, policies, found, subject_ids)


def match(session: Session, subject: Subject, policy_id: str | None = None) -> list[Outcome]:
    """Match every policy (or one) over its whole registry, store the differences, return eligible and near-miss."""
    if not subject.has(Role.ADMIN, Role.SUPERVISOR):
        raise Forbidden("只有管理员可以运行政策匹配", "Only administrators run policy matching")
    found: list[Outcome] = []
    changes: list[Change] = []
    ran: list[str] = []
    for kind in OBJECTS:
        policies = _policies(session, kind, policy_id)
        rows, changed = _run(session, kind, policies, None)
        found, changes, ran = found + rows, changes + changed, ran + [p.id for p in policies]
    if policy_id and not ran:
        raise NotFound(f"政策 {policy_id} 不存在", f"No policy {policy_id}")
    hooks.announce(session, changes)
    audit.record(session, subject, "policy_match", "policy", [],
                 {"policies": ran, "eligible": sum(o.eligible for o in found),
                  "near_miss": sum(not o.eligible for o in found), "changed": len(changes)})
    session.commit()
    return found


def rematch_subjects(session: Session, kind: str, subject_ids: Sequence[str]) -> list[Outcome]:
    """Re-match changed or new subjects over every policy of their kind, in the caller's transaction."""
    if not subject_ids:
        return []
    found, changes = _run(session, kind, _policies(session, kind), list(subject_ids))
    hooks.announce(session, changes)
    return found


def rematch_policy(session: Session, policy: Policy) -> list[Outcome]:
    """Re-match one new or changed policy over its whole registry, in the caller's transaction."""
    session.flush()
    found, changes = _run(session, policy.object, [policy], None)
    hooks.announce(session, changes)
    return found


def match_one(session: Session, uscc: str) -> list[Outcome]:
    """Re-match one enterprise (after its record changed) and commit its updated standings."""
    if session.scalar(select(Enterprise.id).where(Enterprise.uscc == uscc)) is None:
        raise NotFound("企业不存在", "No such enterprise")
    found = rematch_subjects(session, "enterprise", [uscc])
    session.commit()
    return found
