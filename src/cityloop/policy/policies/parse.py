"""One policy of an import file checked field by field; a bad node is named by its path."""

from __future__ import annotations

from datetime import date
from typing import Any

from cityloop.policy.logic.validate import RuleError, check
from cityloop.policy.registry.attributes import OBJECTS, allowed


def policy(item: Any, path: str) -> dict[str, Any]:
    """The typed content of one policy, or RuleError at the first bad field."""
    if not isinstance(item, dict):
        raise RuleError(path, "政策应为对象", "a policy must be an object")
    pid, title = item.get("id"), item.get("title")
    if not isinstance(pid, (str, int)) or isinstance(pid, bool) or not str(pid).strip() or len(str(pid)) > 60:
        raise RuleError(f"{path}.id", "缺少政策编号", "id is required (at most 60 characters)")
    if not isinstance(title, str) or not title.strip():
        raise RuleError(f"{path}.title", "缺少政策名称", "title is required")
    obj = item.get("object")
    if obj not in OBJECTS:
        raise RuleError(f"{path}.object", "对象应为 enterprise 或 person", "object must be enterprise or person")
    valid_from, valid_to = _day(item, "valid_from", path), _day(item, "valid_to", path)
    if valid_from and valid_to and valid_from > valid_to:
        raise RuleError(f"{path}.valid_to", "截止日期早于起始日期", "valid_to is before valid_from")
    return {"id": str(pid), "title": title.strip()[:200], "object": obj,
            "no_application": bool(item.get("no_application", False)), "criteria": criteria(item, obj, path),
            "is_active": bool(item.get("is_active", True)), "issuing_unit": _text(item, "issuing_unit", 120, path),
            "legal_url": _text(item, "legal_url", 500, path), "benefit": benefit(item.get("benefit"), obj, path),
            "valid_from": valid_from, "valid_to": valid_to}


def criteria(item: dict[str, Any], obj: str, path: str) -> list[dict[str, Any]]:
    """The labelled rules, each checked against the attributes of `obj`."""
    found = item.get("criteria")
    if not isinstance(found, list) or not found:
        raise RuleError(f"{path}.criteria", "至少需要一条条件", "criteria must be a non-empty array")
    out = []
    for j, c in enumerate(found):
        where = f"{path}.criteria[{j}]"
        if not isinstance(c, dict) or not isinstance(c.get("label"), str) or "rule" not in c:
            raise RuleError(where, "条件需要 label 和 rule", "a criterion needs a label and a rule")
        check(c["rule"], allowed(obj), f"{where}.rule")
        out.append({"label": c["label"], "rule": c["rule"]})
    return out


def benefit(raw: Any, obj: str, path: str) -> dict[str, Any]:
    """{description, amount, formula}: a fixed amount, or a JSON Logic formula giving one, or just a description."""
    if raw is None:
        return {"description": "", "amount": None, "formula": None}
    if not isinstance(raw, dict):
        raise RuleError(f"{path}.benefit", "待遇应为对象", "benefit must be an object")
    amount = raw.get("amount")
    if amount is not None and (isinstance(amount, bool) or not isinstance(amount, (int, float)) or amount < 0):
        raise RuleError(f"{path}.benefit.amount", "金额应为非负数", "amount must be a non-negative number")
    formula = raw.get("formula")
    if formula is not None:
        check(formula, allowed(obj), f"{path}.benefit.formula")
    return {"description": _text(raw, "description", 500, f"{path}.benefit"), "amount": amount, "formula": formula}


def _text(item: dict[str, Any], name: str, limit: int, path: str) -> str:
    value = item.get(name, "")
    if value is None:
        return ""
    if not isinstance(value, str) or len(value) > limit:
        raise RuleError(f"{path}.{name}", f"应为不超过 {limit} 个字符的文本", f"text of at most {limit} characters")
    return value.strip()


def _day(item: dict[str, Any], name: str, path: str) -> date | None:
    value = item.get(name)
    if value in (None, ""):
        return None
    try:
        return date.fromisoformat(str(value))
    except ValueError:
        raise RuleError(f"{path}.{name}", "日期格式应为 YYYY-MM-DD", "a date as YYYY-MM-DD") from None
