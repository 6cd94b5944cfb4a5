"""Vectorised JSON Logic: a rule evaluated over whole columns at once (numpy), with the plain interpreter's meaning.

Columns are numpy arrays: float64 for numbers, bool for flags, object (Python str) for text. `and`/`or` are taken
as their truthiness here (criteria only ever ask "is it true"), which is where this evaluator differs from the
interpreter's value-returning forms.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.typing import NDArray

Vector = NDArray[Any]
Value = Any  # a numpy array of the column length, or a scalar literal


def evaluate(rule: Any, columns: dict[str, Vector], n: int) -> NDArray[np.bool_]:
    """The truthiness of `rule` for each of the n rows."""
    # A rule without variables yields one value (or a length-1 array): it holds for every row alike.
    return np.broadcast_to(_truthy(_eval(rule, columns), n), (n,)).copy()


def _eval(rule: Any, columns: dict[str, Vector]) -> Value:
    out = _eval_node(rule, columns)
    # Operations over literals only give numpy scalars or 0-d arrays: back to plain values.
    if isinstance(out, np.generic) or (isinstance(out, np.ndarray) and out.ndim == 0):
        return out.item()
    if isinstance(out, np.ndarray) and out.dtype.kind in "US":
        return out.astype(object)  # text columns are object arrays throughout (np.where may give fixed-width str)
    return out


def _eval_node(rule: Any, columns: dict[str, Vector]) -> Value:
    if isinstance(rule, list):
        return [_eval(r, columns) for r in rule]
    if not isinstance(rule, dict):
        return rule
    [(op, raw)] = rule.items()
    if op == "var":
        return columns[raw[0] if isinstance(raw, list) else raw]
    args = [_eval(r, columns) for r in (raw if isinstance(raw, list) else [raw])]
    n = next((len(a) for a in args if isinstance(a, np.ndarray)), 1)
    if op == "and":
        return np.logical_and.reduce([_truthy(a, n) for a in args])
    if op == "or":
        return np.logical_or.reduce([_truthy(a, n) for a in args])
    if op == "if":
        return _if(args, n)
    return _OPS[op](*args)


def _is_text(v: Value) -> bool:
    return isinstance(v, str) or (isinstance(v, np.ndarray) and v.dtype == object)


def _number(v: Value) -> Any:
    if isinstance(v, np.ndarray):
        if v.dtype == object:
            return np.array([_to_float(x) for x in v], dtype=float)
        return v.astype(float)
    if isinstance(v, str):
        return _to_float(v)
    return float(v) if v is not None else 0.0


def _to_float(x: Any) -> float:
    try:
        return float(str(x).strip() or 0)
    except ValueError:
        return float("nan")


def _truthy(v: Value, n: int) -> NDArray[np.bool_]:
    if isinstance(v, np.ndarray):
        if v.dtype == bool:
            return v
        if v.dtype == object:
            return np.array([bool(x) for x in v], dtype=bool)
        return (v != 0) & ~np.isnan(v.astype(float))
    if isinstance(v, list):
        return np.full(n, len(v) > 0)
    if isinstance(v, float) and v != v:
        return np.zeros(n, dtype=bool)
    return np.full(n, bool(v))


def _less(a: Value, b: Value, or_equal: bool) -> Any:
    if _is_text(a) and _is_text(b):
        x, y = (np.asarray(a, dtype=object), np.asarray(b, dtype=object))
        return np.asarray(x <= y if or_equal else x < y, dtype=bool)
    x, y = _number(a), _number(b)
    with np.errstate(invalid="ignore"):
        return np.asarray(x <= y if or_equal else x < y)


def _chain(or_equal: bool):  # type: ignore[no-untyped-def]
    def compare(a: Value, b: Value, c: Value = None) -> Any:
        first = _less(a, b, or_equal)
        return first if c is None else np.logical_and(first, _less(b, c, or_equal))
    return compare


def _loose(a: Value, b: Value) -> Any:
    if _is_text(a) and _is_text(b):
        return np.asarray(np.asarray(a, dtype=object) == np.asarray(b, dtype=object), dtype=bool)
    return np.asarray(_number(a) == _number(b))


def _kind(v: Value) -> str:
    if isinstance(v, np.ndarray):
        return {"b": "bool", "O": "text"}.get(v.dtype.kind, "number")
    if isinstance(v, bool):
        return "bool"
    return "text" if isinstance(v, str) else "number" if isinstance(v, (int, float)) else "null"


def _strict(a: Value, b: Value) -> Any:
    if _kind(a) != _kind(b):
        n = next((len(x) for x in (a, b) if isinstance(x, np.ndarray)), 1)
        return np.zeros(n, dtype=bool)
    return _loose(a, b) if _kind(a) != "bool" else np.asarray(np.asarray(a) == np.asarray(b))


def _in(needle: Value, haystack: Value) -> Any:
    if isinstance(haystack, list):
        if isinstance(needle, np.ndarray):
            hits = np.zeros(len(needle), dtype=bool)
            for h in haystack:
                hits |= np.asarray(_strict(needle, h), dtype=bool)
            return hits
        return any(bool(np.all(_strict(needle, h))) for h in haystack)
    if isinstance(haystack, np.ndarray) and haystack.dtype == object:
        return np.array([str(needle if not isinstance(needle, np.ndarray) else needle[i]) in h
                         for i, h in enumerate(haystack)], dtype=bool)
    if isinstance(haystack, str) and isinstance(needle, np.ndarray):
        return np.array([str(x) in haystack for x in needle], dtype=bool)
    return isinstance(haystack, str) and str(needle) in haystack


def _divide(a: Value, b: Value) -> Any:
    x, y = np.asarray(_number(a), dtype=float), np.asarray(_number(b), dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(y == 0, np.nan, x / np.where(y == 0, 1, y))


def _modulo(a: Value, b: Value) -> Any:
    x, y = np.asarray(_number(a), dtype=float), np.asarray(_number(b), dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(y == 0, np.nan, np.fmod(x, np.where(y == 0, 1, y)))


def _if(args: list[Value], n: int) -> Any:
    out: Any = args[-1] if len(args) % 2 else None
    for i in range(len(args) - 3 if len(args) % 2 else len(args) - 2, -1, -2):
        out = np.where(_truthy(args[i], n), args[i + 1], out)
    return out


_OPS: dict[str, Any] = {
    "==": _loose, "!=": lambda a, b: ~np.asarray(_loose(a, b), dtype=bool),
    "===": _strict, "!==": lambda a, b: ~np.asarray(_strict(a, b), dtype=bool),
    ">": lambda a, b: _less(b, a, False), ">=": lambda a, b: _less(b, a, True),
    "<": _chain(False), "<=": _chain(True), "in": _in,
    "!": lambda a: ~_truthy(a, len(a) if isinstance(a, np.ndarray) else 1),
    "!!": lambda a: _truthy(a, len(a) if isinstance(a, np.ndarray) else 1),
    "+": lambda *xs: sum(_number(x) for x in xs), "-": lambda a, b=None: -_number(a) if b is None else
    _number(a) - _number(b), "*": lambda *xs: np.prod(np.broadcast_arrays(*[_number(x) for x in xs]), axis=0),
    "/": _divide, "%": _modulo,
    "min": lambda *xs: np.minimum.reduce(np.broadcast_arrays(*[np.asarray(_number(x), dtype=float) for x in xs])),
    "max": lambda *xs: np.maximum.reduce(np.broadcast_arrays(*[np.asarray(_number(x), dtype=float) for x in xs])),
}
