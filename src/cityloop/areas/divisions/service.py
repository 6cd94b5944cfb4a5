"""Division import: the national list (package data, to township) and user-defined communities, upserted by code."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlalchemy import insert, select, update
from sqlalchemy.orm import Session

from cityloop.areas.divisions import gazetteer as gz
from cityloop.areas.divisions.models import Division, level_of

COMMUNITY_COLUMNS = ("code", "name", "parent_code")
OPTIONAL_COLUMNS = ("short_name", "valid_from", "valid_to")
_FIELDS = ("name", "short_name", "level", "parent_code", "valid_from", "valid_to")
_COMMUNITY_SUFFIX = re.compile(r"(?:社区居民委员会|居民委员会|村民委员会|社区居委会|居委会|村委会|社区)$")
_CHUNK = 5000  # rows per executemany; also bounds the IN (...) lists


@dataclass(frozen=True)
class DivisionRow:
    """One division to write; validity dates of None leave stored dates untouched."""

    code: str
    name: str
    short_name: str
    level: int
    parent_code: str | None
    valid_from: date | None = None
    valid_to: date | None = None


@dataclass(frozen=True)
class RowError:
    """A problem in one line of an import file (the header is line 1)."""

    line: int
    column: str
    message: str


@dataclass
class ImportResult:
    """Counts of an import; with errors nothing was written."""

    inserted: int = 0
    updated: int = 0
    unchanged: int = 0
    errors: list[RowError] = field(default_factory=list)


def short_name_of(gaz: gz.Gazetteer, code: str) -> str:
    """Short name by the gazetteer's alias rules (朝阳区 → 朝阳); empty when the name has no shorter form."""
    div = gaz.divisions[code]
    shown = gaz.display_name(code)
    if shown is None:  # 省直辖县级行政区划 and the like have no name of their own
        return ""
    level = gz.PROVINCE if shown != div.name else div.level  # 市辖区 shows its municipality's name
    core = gz.core_name(shown, level)
    return "" if core == shown else core


def national_rows(prefix: str | None = None, gaz: gz.Gazetteer | None = None) -> list[DivisionRow]:
    """The packaged national list (parents first), limited to a code prefix and that prefix's ancestors."""
    gaz = gaz or gz.gazetteer()
    out = []
    for code, div in gaz.divisions.items():
        if prefix and not (code.startswith(prefix) or prefix.startswith(code)):
            continue
        name = gaz.display_name(code) or div.name
        out.append(DivisionRow(code, name, short_name_of(gaz, code), div.level, div.parent))
    return out


def import_national(session: Session, prefix: str | None = None) -> ImportResult:
    """Upsert the national list (or one province/city prefix) into `divisions`; never deletes."""
    rows = national_rows(prefix)
    if prefix and not rows:
        return ImportResult(errors=[RowError(0, "province", f"no division with code prefix {prefix}")])
    return upsert(session, rows)


def upsert(session: Session, rows: Iterable[DivisionRow]) -> ImportResult:
    """Insert new codes and update changed ones in bulk (executemany); rows absent here are left alone."""
    rows = list(rows)
    existing = _existing(session, [r.code for r in rows])
    result = ImportResult()
    new: list[dict[str, Any]] = []
    changed: list[dict[str, Any]] = []
    for row in rows:
        values = _values(row, existing.get(row.code))
        if row.code not in existing:
            new.append({"code": row.code, **values})
        elif values != existing[row.code]:
            changed.append({"code": row.code, **values})
        else:
            result.unchanged += 1
    for i in range(0, len(new), _CHUNK):
        session.execute(insert(Division), new[i : i + _CHUNK])
    for i in range(0, len(changed), _CHUNK):
        session.execute(update(Division), changed[i : i + _CHUNK])
    result.inserted, result.updated = len(new), len(changed)
    return result


def _values(row: DivisionRow, old: dict[str, Any] | None) -> dict[str, Any]:
    """Column values to store; absent validity dates keep what is stored."""
    values: dict[str, Any] = {"name": row.name, "short_name": row.short_name, "level": row.level,
                              "parent_code": row.parent_code, "valid_from": row.valid_from, "valid_to": row.valid_to}
    for name in ("valid_from", "valid_to"):
        if values[name] is None and old is not None:
            values[name] = old[name]
    return values


def _existing(session: Session, codes: list[str]) -> dict[str, dict[str, Any]]:
    """Stored values of the given codes."""
    columns = [getattr(Division, name) for name in _FIELDS]
    out: dict[str, dict[str, Any]] = {}
    for i in range(0, len(codes), _CHUNK):
        stmt = select(Division.code, *columns).where(Division.code.in_(codes[i : i + _CHUNK]))
        for code, *values in session.execute(stmt):
            out[code] = dict(zip(_FIELDS, values, strict=True))
    return out


def parse_communities(text: str, known_parents: set[str]) -> tuple[list[DivisionRow], list[RowError]]:
    """Rows of a communities/villages CSV (code 12 digits, name, 9-digit parent_code) and line-numbered errors."""
    reader = csv.DictReader(io.StringIO(text.lstrip("\ufeff"), newline=""))
    header = [h.strip() for h in reader.fieldnames or []]
    missing = [c for c in COMMUNITY_COLUMNS if c not in header]
    if missing:
        return [], [RowError(1, c, "missing column") for c in missing]
    reader.fieldnames = header
    rows: list[DivisionRow] = []
    errors: list[RowError] = []
    seen: dict[str, int] = {}
    line = 1
    for raw in reader:
        start, line = line + 1, reader.line_num
        cells = {k: (v or "").strip() for k, v in raw.items() if k is not None}
        if not any(cells.values()):
            continue
        row, problems = _community(cells, known_parents)
        if row is not None and row.code in seen:
            problems.append(("code", f"duplicate of line {seen[row.code]}"))
        errors += [RowError(start, column, message) for column, message in problems]
        if row is not None and not problems:
            seen[row.code] = start
            rows.append(row)
    return rows, errors


def _community(cells: dict[str, str], known_parents: set[str]) -> tuple[DivisionRow | None, list[tuple[str, str]]]:
    """One community row checked on its own: (row or None, [(column, problem)])."""
    problems: list[tuple[str, str]] = []
    code, name, parent = cells.get("code", ""), cells.get("name", ""), cells.get("parent_code", "")
    if not (len(code) == 12 and code.isdigit()):
        problems.append(("code", "must be 12 digits"))
    if not name or len(name) > 80:
        problems.append(("name", "required, at most 80 characters"))
    if not (len(parent) == 9 and parent.isdigit()):
        problems.append(("parent_code", "must be a 9-digit township code"))
    elif parent not in known_parents:
        problems.append(("parent_code", f"unknown township {parent} (import the national list first)"))
    elif not code.startswith(parent):
        problems.append(("code", f"must start with its parent code {parent}"))
    dates: dict[str, date | None] = {"valid_from": None, "valid_to": None}
    for column in dates:
        try:
            dates[column] = date.fromisoformat(cells[column]) if cells.get(column) else None
        except ValueError:
            problems.append((column, "must be a date YYYY-MM-DD"))
    start, end = dates["valid_from"], dates["valid_to"]
    if start is not None and end is not None and end < start:
        problems.append(("valid_to", "before valid_from"))
    if problems:
        return None, problems
    short = cells.get("short_name") or community_short_name(name)
    return DivisionRow(code, name, short[:40], level_of(code), parent, start, end), problems


def community_short_name(name: str) -> str:
    """Community name without its 社区/居委会/村委会 suffix; empty when nothing shorter remains."""
    core = _COMMUNITY_SUFFIX.sub("", name)
    return core if len(core) >= 2 and core != name else ""


def import_communities(session: Session, text: str) -> ImportResult:
    """Upsert communities/villages from CSV text; when any row is wrong nothing is written."""
    reader = csv.DictReader(io.StringIO(text.lstrip("\ufeff"), newline=""))
    parents = sorted({(r.get("parent_code") or "").strip() for r in reader})
    known = set(session.scalars(select(Division.code).where(Division.level == 4, Division.code.in_(parents))))
    rows, errors = parse_communities(text, known)
    if errors:
        return ImportResult(errors=errors)
    return upsert(session, rows)

