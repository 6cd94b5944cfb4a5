"""How many subjects unsaved criteria would match: for the admin editor, over the whole registry, vectorised."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from cityloop.kit.auth import Role, Subject
from cityloop.kit.errors import Forbidden, ValidationFailed
from cityloop.policy.logic.validate import RuleError
from cityloop.policy.matching import columns
from cityloop.policy.matching.engine import grid, read
from cityloop.policy.policies.parse import criteria as checked_criteria
from cityloop.policy.registry.attributes import OBJECTS


def preview(session: Session, subject: Subject, object: str, criteria: Any) -> dict[str, int]:  # noqa: A002
    """{"eligible", "near_miss", "total"} for criteria not yet saved; a bad node → 422 with its path."""
    if not subject.has(Role.ADMIN):
        raise Forbidden("只有管理员可以预览政策匹配", "Only administrators may preview policy matching")
    if object not in OBJECTS:
        raise ValidationFailed({"object": ("对象应为 enterprise 或 person", "object must be enterprise or person")})
    try:
        rules = checked_criteria({"criteria": criteria}, object, "")
    except RuleError as err:
        raise ValidationFailed({err.path.lstrip("."): (err.zh, err.en)}) from None
    extras = [a for a in read(rules) if a.startswith(columns.PREFIX)]
    registry = columns.load(session, object, columns.today(), None, extras)
    try:
        passes = grid(rules, registry).sum(axis=0)
    except (TypeError, ValueError, ArithmeticError) as exc:
        # The checker accepts a few degenerate nodes ({"min": []}, {"!": []}) the evaluator cannot compute.
        raise ValidationFailed({"criteria": ("条件无法计算", f"the criteria cannot be evaluated: {exc}")}) from None
    k = len(rules)
    return {"eligible": int((passes == k).sum()), "near_miss": int((passes == k - 1).sum()), "total": registry.size}
