"""What every CSV/XLSX import shares: reading the file with its required columns, and refusing bad rows by line."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from cityloop.areas.elements.rows import read_table
from cityloop.kit.errors import ValidationFailed

Problem = tuple[str, str, str]  # (column, zh, en)


def read_checked(data: bytes, filename: str, columns: Sequence[str]) -> list[tuple[int, dict[str, str]]]:
    """(line, row) pairs of a file that is readable, not empty and holds every required column."""
    try:
        raw = read_table(data, filename)
    except Exception as exc:  # any failure to parse an uploaded file is the file's fault
        raise ValidationFailed({"file": ("无法读取文件（需 UTF-8 CSV 或 XLSX）",
                                         f"cannot read the file (UTF-8 CSV or XLSX expected): {exc}")}) from None
    if not raw:
        raise ValidationFailed({"file": ("没有数据行", "no data rows")})
    missing = [c for c in columns if c not in raw[0][1]]
    if missing:
        raise ValidationFailed({"header": (f"缺少列：{', '.join(missing)}", f"missing columns: {', '.join(missing)}")})
    return raw


def row_error(line: int, problems: Sequence[Problem]) -> dict[str, Any]:
    """One rejected row in the JSON form every import reports."""
    return {"line": line, "errors": [{"field": f, "zh": zh, "en": en} for f, zh, en in problems]}


def rejected(errors: list[dict[str, Any]]) -> ValidationFailed:
    """The error refusing a file: one field per bad line, and every row under `details.rows`."""
    failure = ValidationFailed({f"line {e['line']}": ("；".join(f"{x['field']}: {x['zh']}" for x in e["errors"]),
                                                      "; ".join(f"{x['field']}: {x['en']}" for x in e["errors"]))
                                for e in errors[:200]})
    failure.details["rows"] = errors
    return failure
