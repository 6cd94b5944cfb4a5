"""A plain JSON Logic interpreter over one record (the reference the vectorised evaluator is tested against)."""

from __future__ import annotations

import math
from typing import Any


def truthy(value: Any) -> bool:
    """JSON Logic truthiness (JavaScript's): 0, "", [], null, false and NaN are false."""
    if isinstance(value, float) and math.isnan(value):
        return False
    if isinstance(value, list):
        return len(value) > 0
    return bool(value)


def _number(value: Any) -> float:
    if isinstance(value, bool):
        return float(value)
    if isinstance(value, (int, float)):
        return float(value)
    if value is None:
        return 0.0
    try:
        return float(str(value).strip() or 0)
    except ValueError:
        return math.nan


def loose_equal(a: Any, b: Any) -> bool:
    """JavaScript `==` for the JSON scalar types."""
    if a is None or b is None:
        return a is None and b is None
    if isinstance(a, str) and isinstance(b, str):
        return a == b
    return _number(a) == _number(b)


def strict_equal(a: Any, b: Any) -> bool:
    """JavaScript `===`: same type and value (booleans are not numbers)."""
    if isinstance(a, bool) or isinstance(b, bool):
        return isinstance(a, bool) and isinstance(b, bool) and a == b
    if isinstance(a, (int, float)) and isinstance(b, (int, float)):
        return float(a) == float(b)
    return type(a) is type(b) and a == b


def _less(a: Any, b: Any, or_equal: bool) -> bool:
    if isinstance(a, str) and isinstance(b, str):
        return a <= b if or_equal else a < b
    x, y = _number(a), _number(b)
    return x <= y if or_equal else x < y


def apply(rule: Any, data: dict[str, Any]) -> Any:
    """Evaluate `rule` against one record."""
    if isinstance(rule, list):
        return [apply(r, data) for r in rule]
    if not isinstance(rule, dict):
        return rule
    [(op, raw)] = rule.items()
    if op == "var":
        name, default = (raw[0], raw[1] if len(raw) > 1 else None) if isinstance(raw, list) else (raw, None)
        value = data.get(str(name))
        return default if value is None else value
    if op in {"and", "or"}:
        return _and_or(op, raw if isinstance(raw, list) else [raw], data)
    if op == "if":
        args = raw if isinstance(raw, list) else [raw]  # {"if": x} is {"if": [x]}, as for every operator
        for i in range(0, len(args) - 1, 2):
            if truthy(apply(args[i], data)):
                return apply(args[i + 1], data)
        return apply(args[-1], data) if len(args) % 2 else None
    args = [apply(r, data) for r in (raw if isinstance(raw, list) else [raw])]
    return _OPS[op](*args)


def _and_or(op: str, rules: list[Any], data: dict[str, Any]) -> Any:
    # Both return the deciding operand (JavaScript's && and ||), not a bare boolean.
    value: Any = op == "and"
    for r in rules:
        value = apply(r, data)
        if truthy(value) != (op == "and"):
            return value
    return value


def _chain(or_equal: bool):  # type: ignore[no-untyped-def]
    def compare(a: Any, b: Any, c: Any = None) -> bool:
        if c is None:
            return _less(a, b, or_equal)
        return _less(a, b, or_equal) and _less(b, c, or_equal)
    return compare


def _in(needle: Any, haystack: Any) -> bool:
    if isinstance(haystack, list):
        return any(strict_equal(needle, h) or needle == h for h in haystack)
    if isinstance(haystack, str):
        return str(needle) in haystack
    return False


def _divide(a: Any, b: Any) -> float:
    y = _number(b)
    return math.nan if y == 0 else _number(a) / y


def _modulo(a: Any, b: Any) -> float:
    y = _number(b)
    return math.nan if y == 0 else math.fmod(_number(a), y)


_OPS: dict[str, Any] = {
    "==": loose_equal, "!=": lambda a, b: not loose_equal(a, b),
    "===": strict_equal, "!==": lambda a, b: not strict_equal(a, b),
    ">": lambda a, b: _less(b, a, False), ">=": lambda a, b: _less(b, a, True),
    "<": _chain(False), "<=": _chain(True),
    "!": lambda a: not truthy(a), "!!": truthy, "in": _in,
    "+": lambda *xs: sum(_number(x) for x in xs), "*": lambda *xs: math.prod(_number(x) for x in xs),
    "-": lambda a, b=None: -_number(a) if b is None else _number(a) - _number(b),
    "/": _divide, "%": _modulo,
    "min": lambda *xs: min(_number(x) for x in xs) if xs else None,
    "max": lambda *xs: max(_number(x) for x in xs) if xs else None,
}
