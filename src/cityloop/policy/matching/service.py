"""Match policies against the enterprise registry: vectorised over columns, reasons kept for near-misses."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray
from sqlalchemy import delete, insert, select
from sqlalchemy.orm import Session

from cityloop.audit import service as audit
from cityloop.kit.auth import Role, Subject
from cityloop.kit.clock import utcnow
from cityloop.kit.errors import Forbidden, NotFound
from cityloop.policy.logic import interpret, vector
from cityloop.policy.logic.validate import variables
from cityloop.policy.matching import hooks
from cityloop.policy.matching.models import PolicyMatch
from cityloop.policy.policies.models import Policy
from cityloop.policy.registry.models import Enterprise
from cityloop.policy.registry.service import ATTRIBUTES


@dataclass(frozen=True)
class Outcome:
    """One (subject, policy) row of a match: eligible, or a near-miss with the labels that failed."""

    subject_id: str
    policy_id: str
    eligible: bool
    failed: list[str]


@dataclass(frozen=True)
class Registry:
    """The enterprise registry as columns."""

    ids: NDArray[Any]
    columns: dict[str, NDArray[Any]]

    @property
    def size(self) -> int:
        """Number of enterprises."""
        return len(self.ids)


def load_registry(session: Session) -> Registry:
    """Every enterprise's attributes as numpy columns (text as objects, numbers as floats, flags as bools)."""
    names = list(ATTRIBUTES)
    rows = session.execute(select(*[getattr(Enterprise, n) for n in names]).order_by(Enterprise.id)).all()
    raw = list(zip(*rows, strict=False)) if rows else [() for _ in names]
    columns = {n: _column(ATTRIBUTES[n], values) for n, values in zip(names, raw, strict=True)}
    return Registry(columns["uscc"], columns)


def _column(kind: str, values: Any) -> NDArray[Any]:
    if kind == "number":
        return np.asarray(values, dtype=float)
    if kind == "bool":
        return np.asarray(values, dtype=bool)
    return np.asarray(values, dtype=object)


def evaluate(policy: Policy, registry: Registry) -> tuple[NDArray[np.bool_], NDArray[np.int_]]:
    """(criteria × subjects pass matrix, passes per subject)."""
    n = registry.size
    grid = np.vstack([vector.evaluate(c["rule"], registry.columns, n) for c in policy.criteria]) if n else \
        np.zeros((len(policy.criteria), 0), dtype=bool)
    return grid, grid.sum(axis=0)


def outcomes(policy: Policy, registry: Registry) -> Iterator[Outcome]:
    """Eligible and near-miss subjects of one policy (the others fail two criteria or more)."""
    grid, passes = evaluate(policy, registry)
    k = len(policy.criteria)
    labels = [c["label"] for c in policy.criteria]
    for i in np.flatnonzero(passes >= k - 1):
        failed = [labels[j] for j in range(k) if not grid[j, i]]
        yield Outcome(str(registry.ids[i]), policy.id, not failed, failed)


def match(session: Session, subject: Subject, policy_id: str | None = None) -> list[Outcome]:
    """Match active policies (or one), store eligible and near-miss results with their values, return them."""
    if not subject.has(Role.ADMIN, Role.SUPERVISOR):
        raise Forbidden("只有管理员可以运行政策匹配", "Only administrators run policy matching")
    stmt = select(Policy).where(Policy.is_active.is_(True), Policy.object == "enterprise").order_by(Policy.id)
    policies = list(session.scalars(stmt.where(Policy.id == policy_id) if policy_id else stmt))
    if policy_id and not policies:
        raise NotFound(f"政策 {policy_id} 不存在", f"No policy {policy_id}")
    registry = load_registry(session)
    found: list[Outcome] = []
    for policy in policies:
        rows = list(outcomes(policy, registry))
        _store(session, policy, registry, rows)
        found.extend(rows)
    audit.record(session, subject, "policy_match", "policy", [],
                 {"policies": [p.id for p in policies], "eligible": sum(o.eligible for o in found),
                  "near_miss": sum(not o.eligible for o in found)})
    session.commit()
    return found


def _store(session: Session, policy: Policy, registry: Registry, rows: list[Outcome]) -> None:
    before = {s: st for s, st in session.execute(select(PolicyMatch.subject_id, PolicyMatch.status)
                                                 .where(PolicyMatch.policy_id == policy.id))}
    session.execute(delete(PolicyMatch).where(PolicyMatch.policy_id == policy.id))
    read = sorted(set().union(*(variables(c["rule"]) for c in policy.criteria)))
    index = {str(s): i for i, s in enumerate(registry.ids)} if rows else {}
    labels = [c["label"] for c in policy.criteria]
    now = utcnow()
    batch = [{"policy_id": policy.id, "subject_id": o.subject_id, "status": "eligible" if o.eligible else "near_miss",
              "passed": [x for x in labels if x not in o.failed], "failed": o.failed, "matched_at": now,
              "values": {a: _plain(registry.columns[a][index[o.subject_id]]) for a in read}} for o in rows]
    for start in range(0, len(batch), 10_000):
        session.execute(insert(PolicyMatch), batch[start:start + 10_000])
    hooks.announce(session, _changes(policy.object, {(k, policy.id): v for k, v in before.items()}, rows))


def _changes(kind: str, before: dict[tuple[str, str], str], rows: list[Outcome]) -> list[hooks.Change]:
    """Standings that differ between the replaced rows and the new outcomes, keyed (subject, policy)."""
    after = {(o.subject_id, o.policy_id): o for o in rows}
    out = []
    for key in sorted(set(before) | set(after)):
        o = after.get(key)
        now = ("eligible" if o.eligible else "near_miss") if o else None
        if before.get(key) != now:
            out.append(hooks.Change(kind, key[0], key[1], before.get(key), now, list(o.failed) if o else []))
    return out


def _plain(value: Any) -> Any:
    return value.item() if isinstance(value, np.generic) else value


def match_one(session: Session, uscc: str) -> list[Outcome]:
    """Re-match one enterprise against every active policy (after its record changed) and update its results."""
    enterprise = session.scalar(select(Enterprise).where(Enterprise.uscc == uscc))
    if enterprise is None:
        raise NotFound("企业不存在", "No such enterprise")
    record = {name: getattr(enterprise, name) for name in ATTRIBUTES}
    before = {(uscc, p): st for p, st in session.execute(select(PolicyMatch.policy_id, PolicyMatch.status)
                                                         .where(PolicyMatch.subject_id == uscc))}
    session.execute(delete(PolicyMatch).where(PolicyMatch.subject_id == uscc))
    found = []
    for policy in session.scalars(select(Policy).where(Policy.is_active.is_(True), Policy.object == "enterprise")):
        failed = [c["label"] for c in policy.criteria if not interpret.truthy(interpret.apply(c["rule"], record))]
        if len(failed) <= 1:
            found.append(Outcome(uscc, policy.id, not failed, failed))
            read = set().union(*(variables(c["rule"]) for c in policy.criteria))
            session.add(PolicyMatch(policy_id=policy.id, subject_id=uscc, status="near_miss" if failed else "eligible",
                                    passed=[c["label"] for c in policy.criteria if c["label"] not in failed],
                                    failed=failed, values={a: record[a] for a in sorted(read)}))
    hooks.announce(session, _changes("enterprise", before, found))
    session.commit()
    return found
