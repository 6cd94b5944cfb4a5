"""Enterprise registry import: every row checked (GB 32100 check character included), all or nothing unless asked."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from cityloop.areas.elements.rows import credit_code_valid
from cityloop.areas.elements.table_import import read_checked, rejected, row_error
from cityloop.audit import service as audit
from cityloop.kit.auth import Role, Subject
from cityloop.kit.clock import to_local, utcnow
from cityloop.kit.errors import Forbidden
from cityloop.policy.registry.models import Enterprise

COLUMNS = ("uscc", "name", "industry", "scale", "registered_year", "division_code", "employees", "revenue",
           "tax_credit", "high_tech", "rnd_ratio")
# What criteria may read, and how each is typed for matching.
ATTRIBUTES: dict[str, str] = {"uscc": "text", "name": "text", "industry": "text", "scale": "text",
                              "registered_year": "number", "division_code": "text", "employees": "number",
                              "revenue": "number", "tax_credit": "text", "high_tech": "bool", "rnd_ratio": "number"}
Problem = tuple[str, str, str]


@dataclass
class RegistryImport:
    """Outcome: rows created and updated, rows rejected with their lines."""

    created: int = 0
    updated: int = 0
    errors: list[dict[str, Any]] = field(default_factory=list)


def import_enterprises(session: Session, subject: Subject, data: bytes, filename: str, keep_good: bool = False
                       ) -> RegistryImport:
    """Import (or update by USCC) enterprises from CSV/XLSX; nothing is written if any row is bad unless asked."""
    if not subject.has(Role.ADMIN):
        raise Forbidden("只有管理员可以导入企业库", "Only administrators may import the enterprise registry")
    raw = read_checked(data, filename, COLUMNS)
    parsed = [(line, *parse_row(values)) for line, values in raw]
    _duplicates(parsed)
    report = RegistryImport(errors=[row_error(line, p) for line, _row, p in parsed if p])
    if report.errors and not keep_good:
        raise rejected(report.errors)
    _write(session, [row for _line, row, p in parsed if not p], report)
    audit.record(session, subject, "import_enterprises", "policy_enterprise", [],
                 {"created": report.created, "updated": report.updated, "rejected": len(report.errors)})
    session.commit()
    return report


def parse_row(values: dict[str, str]) -> tuple[dict[str, Any], list[Problem]]:
    """One row's typed values and its problems."""
    problems: list[Problem] = []
    row: dict[str, Any] = {}
    uscc = values.get("uscc", "").upper()
    if not credit_code_valid(uscc):
        problems.append(("uscc", "统一社会信用代码无效（18 位，校验位按 GB 32100）",
                         "not a valid unified social credit code (18 characters, GB 32100 check character)"))
    row["uscc"] = uscc
    for name, limit in (("name", 200), ("industry", 60), ("scale", 20), ("tax_credit", 10)):
        row[name] = values.get(name, "")
        if len(row[name]) > limit or (name == "name" and not row[name]):
            problems.append((name, f"必填，不超过 {limit} 个字符", f"required, at most {limit} characters")
                            if name == "name" else (name, f"不超过 {limit} 个字符", f"at most {limit} characters"))
    division = values.get("division_code", "")
    if not (division.isdigit() and 2 <= len(division) <= 12):
        problems.append(("division_code", "应为 2–12 位数字区划代码", "a division code of 2–12 digits"))
    row["division_code"] = division
    year = _number(values.get("registered_year", ""), integer=True)
    if year is None or not 1900 <= year <= to_local(utcnow()).year:
        problems.append(("registered_year", "应为 1900 至今年的年份", "a year from 1900 to this year"))
    row["registered_year"] = int(year or 0)
    for name, integer in (("employees", True), ("revenue", False), ("rnd_ratio", False)):
        value = _number(values.get(name, ""), integer)
        if value is None or value < 0:
            problems.append((name, "应为非负数", "must be a non-negative number"))
        row[name] = value or 0
    flag = values.get("high_tech", "").strip().lower()
    if flag not in {"true", "false"}:
        problems.append(("high_tech", "应为 true 或 false", "must be true or false"))
    row["high_tech"] = flag == "true"
    return row, problems


def _number(text: str, integer: bool) -> float | int | None:
    try:
        value = float(text.replace(",", "").strip())
    except ValueError:
        return None
    if not math.isfinite(value) or (integer and not value.is_integer()):
        return None
    return int(value) if integer else value


def _duplicates(parsed: list[tuple[int, dict[str, Any], list[Problem]]]) -> None:
    first: dict[str, int] = {}
    for line, row, problems in parsed:
        seen = first.setdefault(row["uscc"], line)
        if seen != line and not problems:
            problems.append(("uscc", f"与第 {seen} 行重复", f"duplicates line {seen}"))


def _write(session: Session, rows: list[dict[str, Any]], report: RegistryImport) -> None:
    codes = [r["uscc"] for r in rows]
    existing: dict[str, Enterprise] = {}
    for start in range(0, len(codes), 5000):
        chunk = codes[start:start + 5000]
        existing.update({e.uscc: e for e in session.scalars(select(Enterprise).where(Enterprise.uscc.in_(chunk)))})
    for row in rows:
        found = existing.get(row["uscc"])
        if found is None:
            session.add(Enterprise(**row))
            report.created += 1
        else:
            for key, value in row.items():
                setattr(found, key, value)
            report.updated += 1
