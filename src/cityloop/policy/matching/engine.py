"""One policy over a registry: which subjects are eligible or near-misses, with the labels that failed."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

import numpy as np
from numpy.typing import NDArray

from cityloop.policy.logic import vector
from cityloop.policy.logic.validate import variables
from cityloop.policy.matching.columns import Registry, plain
from cityloop.policy.policies.models import Policy


@dataclass(frozen=True)
class Outcome:
    """One (subject, policy) row of a match: eligible, or a near-miss with the labels that failed."""

    subject_id: str
    policy_id: str
    eligible: bool
    failed: list[str]
    values: dict[str, Any] = field(default_factory=dict, compare=False)
    passed: list[str] = field(default_factory=list, compare=False)

    @property
    def status(self) -> str:
        """eligible | near_miss."""
        return "eligible" if self.eligible else "near_miss"


def in_force(policy: Policy, day: date) -> bool:
    """Active and inside its validity window on `day` (outside it a policy matches nobody)."""
    return policy.is_active and (policy.valid_from is None or policy.valid_from <= day) and \
        (policy.valid_to is None or day <= policy.valid_to)


def grid(criteria: list[dict[str, Any]], registry: Registry) -> NDArray[np.bool_]:
    """The criteria × subjects pass matrix."""
    n = registry.size
    if not n:
        return np.zeros((len(criteria), 0), dtype=bool)
    return np.vstack([vector.evaluate(c["rule"], registry.columns, n) for c in criteria])


def read(criteria: list[dict[str, Any]]) -> list[str]:
    """The attribute names the criteria read, sorted."""
    return sorted(set().union(*(variables(c["rule"]) for c in criteria)))


def outcomes(policy: Policy, registry: Registry, day: date) -> list[Outcome]:
    """Eligible and near-miss subjects of one policy (the others fail two criteria or more)."""
    if not in_force(policy, day) or not policy.criteria:
        return []
    passes = grid(policy.criteria, registry)
    k = len(policy.criteria)
    labels = [c["label"] for c in policy.criteria]
    names = read(policy.criteria)
    found = []
    for i in np.flatnonzero(passes.sum(axis=0) >= k - 1):
        failed = [labels[j] for j in range(k) if not passes[j, i]]
        values = {a: plain(registry.columns[a][i]) for a in names}
        passed = [labels[j] for j in range(k) if passes[j, i]]
        found.append(Outcome(str(registry.ids[i]), policy.id, not failed, failed, values, passed))
    return found
