"""Policy import from JSON: each policy and criterion checked, the bad node named by its path; all or nothing."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.orm import Session

from cityloop.audit import service as audit
from cityloop.kit.auth import Role, Subject
from cityloop.kit.errors import Forbidden, ValidationFailed
from cityloop.policy.logic.validate import RuleError, check
from cityloop.policy.policies.models import Policy
from cityloop.policy.registry.service import ATTRIBUTES

OBJECTS = {"enterprise": frozenset(ATTRIBUTES)}


@dataclass
class PolicyImport:
    """Outcome: policies created and updated."""

    created: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)


def import_json(session: Session, subject: Subject, data: bytes) -> PolicyImport:
    """Import (or replace by id) policies from a JSON array."""
    if not subject.has(Role.ADMIN):
        raise Forbidden("只有管理员可以导入政策", "Only administrators may import policies")
    try:
        items = json.loads(data.decode("utf-8-sig"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ValidationFailed({"file": ("不是有效的 JSON", f"not valid JSON: {exc}")}) from None
    if not isinstance(items, list) or not items:
        raise ValidationFailed({"file": ("应为非空的政策数组", "expected a non-empty JSON array of policies")})
    errors: dict[str, tuple[str, str]] = {}
    checked = []
    for i, item in enumerate(items):
        try:
            checked.append(_policy(item, f"[{i}]"))
        except RuleError as err:
            errors[err.path] = (err.zh, err.en)
    ids = [p["id"] for p in checked]
    for dup in {x for x in ids if ids.count(x) > 1}:
        errors[f"id {dup}"] = ("政策编号重复", "duplicate policy id")
    if errors:
        raise ValidationFailed(errors)
    report = PolicyImport()
    for p in checked:
        found = session.get(Policy, p["id"])
        if found is None:
            session.add(Policy(**p))
            report.created.append(p["id"])
        else:
            for key, value in p.items():
                setattr(found, key, value)
            report.updated.append(p["id"])
    audit.record(session, subject, "import_policies", "policy", [], {"created": report.created,
                                                                    "updated": report.updated})
    session.commit()
    return report


def _policy(item: Any, path: str) -> dict[str, Any]:
    if not isinstance(item, dict):
        raise RuleError(path, "政策应为对象", "a policy must be an object")
    pid, title = item.get("id"), item.get("title")
    if not isinstance(pid, (str, int)) or isinstance(pid, bool) or not str(pid).strip() or len(str(pid)) > 60:
        raise RuleError(f"{path}.id", "缺少政策编号", "id is required (at most 60 characters)")
    if not isinstance(title, str) or not title.strip():
        raise RuleError(f"{path}.title", "缺少政策名称", "title is required")
    obj = item.get("object")
    if obj not in OBJECTS:
        raise RuleError(f"{path}.object", "目前支持的对象：enterprise", "object must be one of: enterprise")
    criteria = item.get("criteria")
    if not isinstance(criteria, list) or not criteria:
        raise RuleError(f"{path}.criteria", "至少需要一条条件", "criteria must be a non-empty array")
    out = []
    for j, c in enumerate(criteria):
        where = f"{path}.criteria[{j}]"
        if not isinstance(c, dict) or not isinstance(c.get("label"), str) or "rule" not in c:
            raise RuleError(where, "条件需要 label 和 rule", "a criterion needs a label and a rule")
        check(c["rule"], OBJECTS[obj], f"{where}.rule")
        out.append({"label": c["label"], "rule": c["rule"]})
    return {"id": str(pid), "title": title.strip()[:200], "object": obj,
            "no_application": bool(item.get("no_application", False)), "criteria": out, "is_active": True}
