"""Stored standings: a match's outcomes compared with what is stored, only the differences written and announced."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import delete, insert, select
from sqlalchemy.orm import Session

from cityloop.kit.clock import utcnow
from cityloop.policy.matching.engine import Outcome
from cityloop.policy.matching.hooks import Change
from cityloop.policy.matching.models import PolicyMatch
from cityloop.policy.policies.models import Policy

BATCH = 5000


def save(session: Session, kind: str, policies: Sequence[Policy], outcomes: Sequence[Outcome],
         subject_ids: Sequence[str] | None) -> list[Change]:
    """Make the stored rows of `policies` × `subject_ids` (all subjects when None) equal `outcomes`."""
    if not policies or (subject_ids is not None and not subject_ids):
        return []
    stored = _stored(session, kind, [p.id for p in policies], subject_ids)
    versions = {p.id: p.version for p in policies}
    fresh = {(o.subject_id, o.policy_id): o for o in outcomes}
    changes, drop, add = [], [], []
    for key, o in fresh.items():
        old = stored.get(key)
        if old is not None and old[1:] == (o.status, o.failed, o.values, versions[o.policy_id], kind):
            continue
        if old is not None:
            drop.append(old[0])
        add.append(_row(kind, o, versions[o.policy_id]))
        if old is None or old[1] != o.status or old[2] != o.failed:
            changes.append(Change(kind, o.subject_id, o.policy_id, old[1] if old else None, o.status, o.failed))
    for key, old in stored.items():
        if key not in fresh:
            drop.append(old[0])
            changes.append(Change(old[5], key[0], key[1], old[1], None, []))
    for start in range(0, len(drop), BATCH):
        session.execute(delete(PolicyMatch).where(PolicyMatch.id.in_(drop[start:start + BATCH])))
    for start in range(0, len(add), BATCH):
        session.execute(insert(PolicyMatch), add[start:start + BATCH])
    return changes


def _stored(session: Session, kind: str, policy_ids: list[str], subject_ids: Sequence[str] | None
            ) -> dict[tuple[str, str], tuple[Any, ...]]:
    cols = (PolicyMatch.id, PolicyMatch.status, PolicyMatch.failed, PolicyMatch.values, PolicyMatch.policy_version,
            PolicyMatch.subject_kind, PolicyMatch.subject_id, PolicyMatch.policy_id)
    if subject_ids is None:
        # Over the whole registry every row of the policies is in scope: one whose object changed goes too.
        rows = list(session.execute(select(*cols).where(PolicyMatch.policy_id.in_(policy_ids))))
    else:
        # By subject only (its index), policies filtered here: a policy_id filter would lead the planner to scan
        # every stored row of those policies, which grows with the registry.
        wanted, rows = set(policy_ids), []
        for start in range(0, len(subject_ids), BATCH):
            stmt = select(*cols).where(PolicyMatch.subject_id.in_(list(subject_ids[start:start + BATCH])),
                                       PolicyMatch.subject_kind == kind)
            rows += [r for r in session.execute(stmt) if r[7] in wanted]
    return {(r[6], r[7]): tuple(r[:6]) for r in rows}


def _row(kind: str, o: Outcome, version: int) -> dict[str, Any]:
    return {"policy_id": o.policy_id, "policy_version": version, "subject_kind": kind, "subject_id": o.subject_id,
            "status": o.status, "passed": o.passed, "failed": o.failed, "values": o.values, "matched_at": utcnow()}
