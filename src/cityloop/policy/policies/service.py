"""Policy import from JSON: each policy and criterion checked, the bad node named by its path; all or nothing.

A policy whose content changed gets a new version (kept in policy_versions) and is re-matched at once.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from cityloop.audit import service as audit
from cityloop.kit.auth import Role, Subject
from cityloop.kit.errors import Forbidden, ValidationFailed
from cityloop.policy.fulfilment.opening import open_for
from cityloop.policy.logic.validate import RuleError
from cityloop.policy.matching.models import PolicyMatch
from cityloop.policy.matching.service import rematch_policy
from cityloop.policy.policies.models import Policy, PolicyVersion
from cityloop.policy.policies.parse import policy

__all__ = ["PolicyImport", "import_json"]


@dataclass
class PolicyImport:
    """Outcome: policies created, updated (new version) and unchanged."""

    created: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)


def import_json(session: Session, subject: Subject, data: bytes) -> PolicyImport:
    """Import (or version by id) policies from a JSON array; new and changed ones are re-matched."""
    if not subject.has(Role.ADMIN):
        raise Forbidden("只有管理员可以导入政策", "Only administrators may import policies")
    try:
        items = json.loads(data.decode("utf-8-sig"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ValidationFailed({"file": ("不是有效的 JSON", f"not valid JSON: {exc}")}) from None
    if not isinstance(items, list) or not items:
        raise ValidationFailed({"file": ("应为非空的政策数组", "expected a non-empty JSON array of policies")})
    checked = _checked(items)
    report = PolicyImport()
    for p in checked:
        found = session.get(Policy, p["id"])
        was_no_application = found is not None and found.no_application
        saved = save(session, p, report)
        if saved is not None:
            rematch_policy(session, saved)
            if saved.no_application and not was_no_application:
                # Subjects already eligible saw no change of standing: they get their 免申即享 tasks here.
                open_for(session, saved, eligible_ids(session, saved.id))
    audit.record(session, subject, "import_policies", "policy", [],
                 {"created": report.created, "updated": report.updated, "unchanged": len(report.unchanged)})
    session.commit()
    return report


def eligible_ids(session: Session, policy_id: str) -> list[str]:
    """Subjects stored as eligible for a policy."""
    stmt = select(PolicyMatch.subject_id).where(PolicyMatch.policy_id == policy_id, PolicyMatch.status == "eligible")
    return list(session.scalars(stmt))


def _checked(items: list[Any]) -> list[dict[str, Any]]:
    errors: dict[str, tuple[str, str]] = {}
    checked = []
    for i, item in enumerate(items):
        try:
            checked.append(policy(item, f"[{i}]"))
        except RuleError as err:
            errors[err.path] = (err.zh, err.en)
    ids = [p["id"] for p in checked]
    for dup in {x for x in ids if ids.count(x) > 1}:
        errors[f"id {dup}"] = ("政策编号重复", "duplicate policy id")
    if errors:
        raise ValidationFailed(errors)
    return checked


def save(session: Session, content: dict[str, Any], report: PolicyImport) -> Policy | None:
    """Create the policy or write a new version of it; None when nothing changed."""
    found = session.get(Policy, content["id"])
    if found is None:
        found = Policy(**content, version=1)
        session.add(found)
        report.created.append(content["id"])
    elif _content(found) == _plain(content):
        report.unchanged.append(content["id"])
        return None
    else:
        for key, value in content.items():
            setattr(found, key, value)
        found.version += 1
        report.updated.append(content["id"])
    session.flush()
    session.add(PolicyVersion(policy_id=found.id, version=found.version, content=_plain(content)))
    return found


def _plain(content: dict[str, Any]) -> dict[str, Any]:
    return json.loads(json.dumps(content, default=str))


def _content(p: Policy) -> dict[str, Any]:
    return _plain({"id": p.id, "title": p.title, "object": p.object, "no_application": p.no_application,
                   "criteria": p.criteria, "is_active": p.is_active, "issuing_unit": p.issuing_unit,
                   "legal_url": p.legal_url, "benefit": p.benefit, "valid_from": p.valid_from,
                   "valid_to": p.valid_to})
