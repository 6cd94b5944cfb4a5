"""Criteria validation: every operator known, every variable an attribute of the subject, each with the path."""

from __future__ import annotations

from typing import Any

COMPARISONS = frozenset({"==", "!=", "===", "!==", ">", ">=", "<", "<="})
LOGICAL = frozenset({"and", "or", "!", "!!", "if"})
ARITHMETIC = frozenset({"+", "-", "*", "/", "%", "min", "max"})
OPERATORS = COMPARISONS | LOGICAL | ARITHMETIC | {"var", "in"}
# (fewest, most) arguments of the other operators; a rule outside them cannot be evaluated.
ARITY: dict[str, tuple[int, int | None]] = {
    "!": (1, 1), "!!": (1, 1), "/": (2, 2), "%": (2, 2), "-": (1, 2), "in": (2, 2), "+": (1, None), "*": (1, None),
    "min": (1, None), "max": (1, None), "and": (1, None), "or": (1, None), "if": (1, None),
}


class RuleError(ValueError):
    """A criterion that cannot be evaluated; `path` points at the bad node (e.g. `criteria[1].rule.and[0]`)."""

    def __init__(self, path: str, zh: str, en: str) -> None:
        super().__init__(f"{path}: {en}")
        self.path, self.zh, self.en = path, zh, en


def check(rule: Any, attributes: frozenset[str], path: str) -> None:
    """Raise RuleError at the first node of `rule` that names an unknown operator or attribute."""
    if isinstance(rule, list):
        for i, item in enumerate(rule):
            check(item, attributes, f"{path}[{i}]")
        return
    if not isinstance(rule, dict):
        if rule is None or isinstance(rule, (bool, int, float, str)):
            return
        raise RuleError(path, "不支持的值", f"unsupported value {rule!r}")
    if len(rule) != 1:
        raise RuleError(path, "每个节点只能有一个运算符", "a node must hold exactly one operator")
    [(op, args)] = rule.items()
    if op not in OPERATORS:
        raise RuleError(f"{path}.{op}", f"不支持的运算符 {op}", f"unsupported operator {op!r}")
    if op == "var":
        _check_var(args, attributes, f"{path}.var")
        return
    if op in COMPARISONS and (not isinstance(args, list) or not 2 <= len(args) <= (3 if op in {"<", "<="} else 2)):
        raise RuleError(f"{path}.{op}", f"{op} 需要 2 个参数", f"{op} takes 2 arguments (< and <= also 3)")
    count = len(args) if isinstance(args, list) else 1
    low, high = ARITY.get(op, (0, None))
    if count < low or (high is not None and count > high):
        want = f"{low}" if low == high else f"{low}–{high}" if high else f"≥{low}"
        raise RuleError(f"{path}.{op}", f"{op} 需要 {want} 个参数", f"{op} takes {want} arguments")
    for i, arg in enumerate(args if isinstance(args, list) else [args]):
        # An array literal only makes sense as the set `in` looks into; elsewhere it cannot be compared or counted.
        if isinstance(arg, list) and not (op == "in" and i == 1):
            raise RuleError(f"{path}.{op}[{i}]", "此处不能使用数组", "an array is not allowed here")
    check(args, attributes, f"{path}.{op}")


def _check_var(args: Any, attributes: frozenset[str], path: str) -> None:
    name = args[0] if isinstance(args, list) and args else args
    # `extra.<key>` reads the subject's free-form attributes when the object allows them (marker `extra.*`).
    extra = isinstance(name, str) and "extra.*" in attributes and name.startswith("extra.") and len(name) > 6
    if not extra and (not isinstance(name, str) or name not in attributes):
        known = ", ".join(sorted(attributes))
        raise RuleError(path, f"未知属性 {name!r}（可用：{known}）", f"unknown attribute {name!r} (known: {known})")


def variables(rule: Any) -> set[str]:
    """The attribute names a rule reads."""
    if isinstance(rule, list):
        return set().union(*(variables(r) for r in rule)) if rule else set()
    if isinstance(rule, dict) and len(rule) == 1:
        [(op, args)] = rule.items()
        if op == "var":
            name = args[0] if isinstance(args, list) and args else args
            return {str(name)}
        return variables(args)
    return set()
