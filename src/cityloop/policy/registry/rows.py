"""Cell parsers every registry import shares: numbers, true/false flags, the `extra` JSON, the row digest."""

from __future__ import annotations

import json
import math
from typing import Any

from cityloop.kit.crypto import keyed_digest

Problem = tuple[str, str, str]  # (column, zh, en)


def number(text: str, integer: bool) -> float | int | None:
    """A finite number (thousands separators allowed), an integer if asked; None if it is not one."""
    try:
        value = float(text.replace(",", "").strip())
    except ValueError:
        return None
    if not math.isfinite(value) or (integer and not value.is_integer()):
        return None
    return int(value) if integer else value


def flag(values: dict[str, str], name: str, row: dict[str, Any], problems: list[Problem],
         blank: bool | None = None) -> None:
    """Read a `true`/`false` column into `row` (blank allowed when `blank` gives its meaning)."""
    text = values.get(name, "").strip().lower()
    if text == "" and blank is not None:
        row[name] = blank
        return
    if text not in {"true", "false"}:
        problems.append((name, "应为 true 或 false", "must be true or false"))
    row[name] = text == "true"


def extra(values: dict[str, str], row: dict[str, Any], problems: list[Problem]) -> None:
    """The optional `extra` column: a JSON object of further attributes (blank: none)."""
    text = values.get("extra", "").strip()
    if not text:
        row["extra"] = {}
        return
    try:
        found = json.loads(text)
    except json.JSONDecodeError:
        found = None
    ok = isinstance(found, dict) and all(isinstance(k, str) and (v is None or isinstance(v, (str, int, float, bool)))
                                         for k, v in found.items())
    if not ok:
        problems.append(("extra", "应为 JSON 对象，值为文本、数字或 true/false",
                         "must be a JSON object of text, number or true/false values"))
    row["extra"] = found if ok else {}


def division(values: dict[str, str], row: dict[str, Any], problems: list[Problem]) -> None:
    """The division code column (2–12 digits)."""
    code = values.get("division_code", "").strip()
    if not (code.isdigit() and 2 <= len(code) <= 12):
        problems.append(("division_code", "应为 2–12 位数字区划代码", "a division code of 2–12 digits"))
    row["division_code"] = code


def digest(row: dict[str, Any]) -> str:
    """Keyed digest of a parsed row (keyed: a person's row holds the ID number)."""
    text = json.dumps(row, sort_keys=True, ensure_ascii=False, default=str)
    return keyed_digest("policy-registry-row", text.encode())
