"""Policy editor rules: administrators only; edits and imports go through the policy import (validated, audited)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session

from cityloop.kit.auth import Role, Subject
from cityloop.kit.errors import Forbidden, NotFound, ValidationFailed
from cityloop.policy.admin import repository as repo
from cityloop.policy.matching import service as matching
from cityloop.policy.policies import service as policies
from cityloop.policy.policies.models import Policy
from cityloop.policy.policies.service import PolicyImport


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


def _row(policy: Policy, counts: dict[tuple[str, str], int]) -> PolicyRow:
    return PolicyRow(policy.id, policy.title, policy.object, policy.no_application, policy.is_active,
                     list(policy.criteria), counts.get((policy.id, "eligible"), 0),
                     counts.get((policy.id, "near_miss"), 0))


def _scope(subject: Subject) -> str:
    return "" if Role.SYSTEM in subject.roles else subject.scope


def _admin(subject: Subject) -> None:
    if not subject.has(Role.ADMIN):
        raise Forbidden("只有管理员可以管理政策", "Only administrators manage policies")
