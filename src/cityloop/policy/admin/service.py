"""Policy editor rules: administrators only; edits and imports go through the policy import (validated, audited)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import numpy as np
from sqlalchemy.orm import Session

from cityloop.kit.auth import Role, Subject
from cityloop.kit.errors import Forbidden, NotFound, ValidationFailed
from cityloop.policy.admin import repository as repo
from cityloop.policy.logic import vector
from cityloop.policy.logic.validate import RuleError, check
from cityloop.policy.matching import service as matching
from cityloop.policy.policies import service as policies
from cityloop.policy.policies.models import Policy
from cityloop.policy.policies.service import OBJECTS, PolicyImport


@dataclass(frozen=True)
class PolicyRow:
    """A policy with its standings in the caller's area."""

    id: str
    title: str
    object: str
    no_application: bool
    is_active: bool
    criteria: list[Any]
    eligible: int
    near_miss: int


@dataclass(frozen=True)
class Preview:
    """How many subjects the criteria would find."""

    eligible: int
    near_miss: int
    total: int


def overview(session: Session, subject: Subject) -> list[PolicyRow]:
    """Every policy with its eligible and near-miss counts."""
    _admin(subject)
    counts = repo.counts(session, _scope(subject))
    return [_row(p, counts) for p in repo.policies(session)]


def detail(session: Session, subject: Subject, policy_id: str) -> PolicyRow:
    """One policy with its counts."""
    _admin(subject)
    policy = session.get(Policy, policy_id)
    if policy is None:
        raise NotFound(f"政策 {policy_id} 不存在", f"No policy {policy_id}")
    return _row(policy, repo.counts(session, _scope(subject)))


def save_criteria(session: Session, subject: Subject, policy_id: str, text: str) -> PolicyImport:
    """Replace a policy's criteria (JSON array of {label, rule}) through the import, which checks every node."""
    row = detail(session, subject, policy_id)
    try:
        criteria = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ValidationFailed({"criteria": ("不是有效的 JSON", f"not valid JSON: {exc}")}) from None
    item = {"id": row.id, "title": row.title, "object": row.object, "no_application": row.no_application,
            "criteria": criteria}
    return policies.import_json(session, subject, json.dumps([item], ensure_ascii=False).encode())


def import_file(session: Session, subject: Subject, data: bytes) -> PolicyImport:
    """Import a JSON file of policies (the same import as the CLI)."""
    _admin(subject)
    return policies.import_json(session, subject, data)


def rematch(session: Session, subject: Subject, policy_id: str) -> Preview:
    """Match one policy again over the whole registry; its stored standings (and notices) follow."""
    _admin(subject)
    rows = matching.match(session, subject, policy_id)
    eligible = sum(r.eligible for r in rows)
    return Preview(eligible, len(rows) - eligible, len(rows))


def preview(session: Session, subject: Subject, obj: str, criteria: Any) -> Preview:
    """Counts the criteria would give over the registry, nothing stored (until policy versions bring theirs)."""
    _admin(subject)
    if obj not in OBJECTS:
        raise ValidationFailed({"object": ("目前支持的对象：enterprise", "object must be one of: enterprise")})
    if not isinstance(criteria, list) or not criteria:
        raise ValidationFailed({"criteria": ("至少需要一条条件", "criteria must be a non-empty array")})
    try:
        for j, c in enumerate(criteria):
            if not isinstance(c, dict) or "rule" not in c:
                raise RuleError(f"criteria[{j}]", "条件需要 rule", "a criterion needs a rule")
            check(c["rule"], OBJECTS[obj], f"criteria[{j}].rule")
    except RuleError as err:
        raise ValidationFailed({err.path: (err.zh, err.en)}) from None
    registry = matching.load_registry(session)
    n = registry.size
    if n == 0:
        return Preview(0, 0, 0)
    try:
        passes = np.vstack([vector.evaluate(c["rule"], registry.columns, n) for c in criteria]).sum(axis=0)
    except (TypeError, ValueError, ArithmeticError) as exc:
        # The checker accepts a few degenerate nodes ({"min": []}, {"!": []}) the evaluator cannot compute.
        raise ValidationFailed({"criteria": ("条件无法计算", f"the criteria cannot be evaluated: {exc}")}) from None
    k = len(criteria)
    return Preview(int((passes == k).sum()), int((passes == k - 1).sum()), n)


def _row(policy: Policy, counts: dict[tuple[str, str], int]) -> PolicyRow:
    return PolicyRow(policy.id, policy.title, policy.object, policy.no_application, policy.is_active,
                     list(policy.criteria), counts.get((policy.id, "eligible"), 0),
                     counts.get((policy.id, "near_miss"), 0))


def _scope(subject: Subject) -> str:
    return "" if Role.SYSTEM in subject.roles else subject.scope


def _admin(subject: Subject) -> None:
    if not subject.has(Role.ADMIN):
        raise Forbidden("只有管理员可以管理政策", "Only administrators manage policies")
