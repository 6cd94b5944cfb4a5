"""JSON Logic → readable zh/en text ("员工人数 ≥ 10，当前 7") for the operators criteria use."""

from __future__ import annotations

from typing import Any

from cityloop.policy.explain.labels import SECTIONS, attribute, value
from cityloop.policy.logic.validate import variables

SYMBOLS = {"==": "=", "===": "=", "!=": "≠", "!==": "≠", ">": ">", ">=": "≥", "<": "<", "<=": "≤",
           "+": "+", "-": "−", "*": "×", "/": "÷", "%": "mod"}
WORDS = {"and": (" 且 ", " and "), "or": (" 或 ", " or ")}


def render(rule: Any, lang: str) -> str:
    """The rule as a sentence fragment in the language."""
    return _node(rule, lang, None, top=True)


def explain(rule: Any, values: dict[str, Any], lang: str) -> str:
    """The rule followed by the subject's actual values of what it reads."""
    read = sorted(variables(rule))
    known = [(name, values[name]) for name in read if name in values]
    if not known:
        return render(rule, lang)
    if len(known) == 1:
        now = value(known[0][0], known[0][1], lang)
    else:
        sep = ", " if lang == "en" else "、"
        now = sep.join(f"{attribute(n, lang)} {value(n, v, lang)}" for n, v in known)
    return f"{render(rule, lang)}, now {now}" if lang == "en" else f"{render(rule, lang)}，当前 {now}"


def _args(raw: Any) -> list[Any]:
    return raw if isinstance(raw, list) else [raw]


def _var_name(node: Any) -> str | None:
    if isinstance(node, dict) and len(node) == 1 and "var" in node:
        raw = node["var"]
        name = raw[0] if isinstance(raw, list) and raw else raw
        return str(name)
    return None


def _node(rule: Any, lang: str, context: str | None, top: bool = False) -> str:
    if isinstance(rule, list):
        sep = ", " if lang == "en" else "、"
        return sep.join(_node(x, lang, context) for x in rule)
    if not isinstance(rule, dict) or len(rule) != 1:
        return value(context, rule, lang)
    [(op, raw)] = rule.items()
    args = _args(raw)
    if op == "var":
        return attribute(str(_var_name(rule)), lang)
    if op in WORDS:
        text = WORDS[op][1 if lang == "en" else 0].join(_node(a, lang, context) for a in args)
        return text if top else f"({text})" if lang == "en" else f"（{text}）"
    if op in {"!", "!!"}:
        return _negation(op, args[0] if args else None, lang, context)
    if op == "in":
        return _in(args, lang)
    if op == "if":
        return _if(args, lang, context)
    if op in {"min", "max"}:
        return f"{op}(" + ", ".join(_node(a, lang, context) for a in args) + ")"
    if op in SYMBOLS:
        return _infix(op, args, lang, context)
    return str(rule)


def _infix(op: str, args: list[Any], lang: str, context: str | None) -> str:
    names = [n for n in (_var_name(a) for a in args) if n]
    inner = names[0] if names else context
    if op in {"-"} and len(args) == 1:
        return "−" + _node(args[0], lang, inner)
    return f" {SYMBOLS[op]} ".join(_node(a, lang, inner) for a in args)


def _negation(op: str, arg: Any, lang: str, context: str | None) -> str:
    name = _var_name(arg)
    if name is not None:
        if op == "!":
            return f"{attribute(name, lang)} is not set or no" if lang == "en" else f"{attribute(name, lang)}为否或空"
        return f"{attribute(name, lang)} is set" if lang == "en" else f"{attribute(name, lang)}为是或非空"
    inner = _node(arg, lang, context)
    if op == "!":
        return f"not ({inner})" if lang == "en" else f"并非（{inner}）"
    return inner


def _in(args: list[Any], lang: str) -> str:
    needle, haystack = (args + [None, None])[:2]
    name = _var_name(needle)
    if name is not None and isinstance(haystack, list):
        sep = ", " if lang == "en" else "、"
        options = sep.join(value(name, h, lang) for h in haystack)
        return f"{attribute(name, lang)} is one of {options}" if lang == "en" else \
            f"{attribute(name, lang)}属于 {options}"
    hay = _var_name(haystack)
    if hay == "industry" and isinstance(needle, str) and needle in SECTIONS:
        label = SECTIONS[needle][1 if lang == "en" else 0]
        return f"industry in section {needle} ({label})" if lang == "en" else f"行业属于 {needle} 门类（{label}）"
    left, right = _node(needle, lang, hay), _node(haystack, lang, name)
    return f"{right} contains “{left}”" if lang == "en" else f"{right}包含“{left}”"


def _if(args: list[Any], lang: str, context: str | None) -> str:
    parts = [_node(a, lang, context) for a in args]
    en = lang == "en"
    clauses = []
    for i in range(0, len(parts) - 1, 2):
        head = ("if" if en else "如果") if i == 0 else ("else if" if en else "否则如果")
        clauses.append(f"{head} {parts[i]} then {parts[i + 1]}" if en else f"{head}{parts[i]}，则{parts[i + 1]}")
    if len(parts) % 2:
        clauses.append(f"else {parts[-1]}" if en else f"否则{parts[-1]}")
    return (" " if en else "，").join(clauses)
