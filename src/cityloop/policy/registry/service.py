"""Enterprise registry import: every row checked (GB 32100 check character included), all or nothing unless asked."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from cityloop.areas.elements.rows import credit_code_valid
from cityloop.kit.auth import Subject
from cityloop.kit.clock import to_local, utcnow
from cityloop.policy.registry import importer
from cityloop.policy.registry.attributes import ENTERPRISE
from cityloop.policy.registry.importer import Chunk, RegistryImport
from cityloop.policy.registry.models import Enterprise
from cityloop.policy.registry.rows import Problem, digest, division, extra, flag, number

COLUMNS = ("uscc", "name", "industry", "scale", "registered_year", "division_code", "employees", "revenue",
           "tax_credit", "high_tech", "rnd_ratio")
ATTRIBUTES = ENTERPRISE  # kept for callers of the first release

__all__ = ["ATTRIBUTES", "COLUMNS", "KIND", "RegistryImport", "import_enterprises", "parse_row"]


def import_enterprises(session: Session, subject: Subject, data: bytes, filename: str, keep_good: bool = False,
                       resume: bool = False, chunk_size: int = importer.CHUNK_SIZE) -> RegistryImport:
    """Import (or update by USCC) enterprises from CSV/XLSX; nothing is written if any row is bad unless asked."""
    return importer.run(session, subject, KIND, data, filename, keep_good, resume, chunk_size)


def parse_row(values: dict[str, str]) -> tuple[dict[str, Any], list[Problem]]:
    """One row's typed values and its problems."""
    problems: list[Problem] = []
    row: dict[str, Any] = {}
    uscc = values.get("uscc", "").strip().upper()
    if not credit_code_valid(uscc):
        problems.append(("uscc", "统一社会信用代码无效（18 位，校验位按 GB 32100）",
                         "not a valid unified social credit code (18 characters, GB 32100 check character)"))
    row["uscc"] = uscc
    for name, limit in (("name", 200), ("industry", 60), ("scale", 20), ("tax_credit", 10)):
        row[name] = values.get(name, "")
        if len(row[name]) > limit or (name == "name" and not row[name]):
            problems.append((name, f"必填，不超过 {limit} 个字符", f"required, at most {limit} characters")
                            if name == "name" else (name, f"不超过 {limit} 个字符", f"at most {limit} characters"))
    division(values, row, problems)
    year = number(values.get("registered_year", ""), integer=True)
    if year is None or not 1900 <= year <= to_local(utcnow()).year:
        problems.append(("registered_year", "应为 1900 至今年的年份", "a year from 1900 to this year"))
    row["registered_year"] = int(year or 0)
    for name, integer in (("employees", True), ("revenue", False), ("rnd_ratio", False)):
        value = number(values.get(name, ""), integer)
        if value is None or value < 0:
            problems.append((name, "应为非负数", "must be a non-negative number"))
        row[name] = value or 0
    flag(values, "high_tech", row, problems)
    extra(values, row, problems)
    return row, problems


def _write(session: Session, rows: list[dict[str, Any]]) -> Chunk:
    done = Chunk()
    codes = [r["uscc"] for r in rows]
    existing = {e.uscc: e for e in session.scalars(select(Enterprise).where(Enterprise.uscc.in_(codes)))} \
        if codes else {}
    for row in rows:
        found, row_hash = existing.get(row["uscc"]), digest(row)
        if found is None:
            session.add(Enterprise(**row, row_hash=row_hash))
            done.created += 1
        elif found.row_hash == row_hash:
            done.unchanged += 1
            continue
        else:
            for key, value in row.items():
                setattr(found, key, value)
            found.row_hash = row_hash
            done.updated += 1
        done.changed.append(row["uscc"])
    session.flush()
    return done


KIND = importer.Kind("enterprise", COLUMNS, parse_row, "uscc", _write)
