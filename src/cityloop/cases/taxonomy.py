"""Taxonomy and responsibility list: import (CSV/XLSX) as a new version, export, lookups."""

from __future__ import annotations

import csv
import hashlib
import io
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session

from cityloop.cases import repository as repo
from cityloop.cases.models import Category, ResponsibilityRule, TaxonomyVersion
from cityloop.cases.routing import clear_cache
from cityloop.cases.states import AppealType, Grade
from cityloop.kit.db import cache_clearers
from cityloop.kit.errors import ValidationFailed

COLUMNS = [
    "domain_code", "domain_name", "type_code", "type_name", "leaf_code", "leaf_name", "keywords",
    "area_level", "unit_type", "appeal_type", "sign_limit", "sign_unit", "handle_limit", "handle_unit",
    "grade", "disputed",
]
# Chinese headers accepted on import, mapped to the canonical column names.
ALIASES = {
    "行业领域代码": "domain_code", "行业领域": "domain_name", "问题类型代码": "type_code", "问题类型": "type_name",
    "问题表现代码": "leaf_code", "问题表现": "leaf_name", "关键词": "keywords", "层级": "area_level",
    "责任单位类型": "unit_type", "诉求类型": "appeal_type", "签收时限": "sign_limit", "签收时限单位": "sign_unit",
    "办理时限": "handle_limit", "办理时限单位": "handle_unit", "等级": "grade", "争议": "disputed",
}
# The Chinese header of each column (templates and error reports speak the same words as the file).
HEADERS_ZH = {code: zh for zh, code in ALIASES.items()}
LEVEL_NAMES = {"city": 2, "市": 2, "district": 3, "区": 3, "区县": 3, "street": 4, "街道": 4, "乡镇": 4,
               "community": 5, "社区": 5, "grid": 6, "网格": 6}
LIMIT_UNITS = {"wd", "wh", "h", "min"}


@dataclass
class ParsedTaxonomy:
    """Validated content of an import file."""

    categories: dict[str, tuple[str, str | None, int, str]] = field(default_factory=dict)
    rules: list[dict[str, Any]] = field(default_factory=list)
    errors: list[dict[str, Any]] = field(default_factory=list)


def read_rows(path: Path) -> list[dict[str, str]]:
    """Rows of a CSV or XLSX file (first sheet) as dicts keyed by canonical column names."""
    try:
        return _read_rows(path)
    except (csv.Error, UnicodeDecodeError, ValueError, KeyError, OSError, zipfile.BadZipFile) as exc:
        # A file that is not a readable UTF-8 CSV or XLSX is bad input, not a server error.
        raise ValidationFailed({"file": ("无法读取文件（需要 UTF-8 CSV 或 XLSX）",
                                         f"Cannot read the file (UTF-8 CSV or XLSX expected): {exc}")}) from exc


def _read_rows(path: Path) -> list[dict[str, str]]:
    if path.suffix.lower() in {".xlsx", ".xlsm"}:
        from openpyxl import load_workbook

        sheet = load_workbook(path, read_only=True, data_only=True).worksheets[0]
        values = [["" if v is None else str(v) for v in row] for row in sheet.iter_rows(values_only=True)]
    else:
        text = path.read_bytes().decode("utf-8-sig")
        values = list(csv.reader(io.StringIO(text, newline="")))
    if not values:
        return []
    header = [ALIASES.get(h.strip(), h.strip()) for h in values[0]]
    return [dict(zip(header, (c.strip() for c in row), strict=False)) for row in values[1:] if any(row)]


def parse(rows: list[dict[str, str]]) -> ParsedTaxonomy:
    """Validate rows; every problem is reported with its line number (header is line 1)."""
    out = ParsedTaxonomy()
    for line, row in enumerate(rows, start=2):
        problems = _row_problems(row)
        if problems:
            out.errors.append({"line": line, "errors": problems})
            continue
        _collect(out, row)
    return out


def _row_problems(row: dict[str, str]) -> dict[str, str]:
    problems: dict[str, str] = {}
    for col in ("domain_code", "domain_name", "type_code", "type_name", "leaf_code", "leaf_name", "area_level"):
        if not row.get(col):
            problems[col] = "必填 / required"
    if row.get("area_level") and _level(row["area_level"]) is None:
        problems["area_level"] = "应为 city/district/street/grid / must be city, district, street or grid"
    if not row.get("unit_type") and not row.get("disputed"):
        problems["unit_type"] = "必填 / required"
    if row.get("appeal_type") and row["appeal_type"] not in set(AppealType):
        problems["appeal_type"] = f"未知诉求类型 / unknown appeal type {row['appeal_type']}"
    for col in ("sign_limit", "handle_limit"):
        try:
            if float(row.get(col) or 1) <= 0:
                problems[col] = "应大于0 / must be positive"
        except ValueError:
            problems[col] = "应为数字 / must be a number"
    for col in ("sign_unit", "handle_unit"):
        if row.get(col) and row[col] not in LIMIT_UNITS:
            problems[col] = "应为 wd/wh/h/min / must be wd, wh, h or min"
    if row.get("grade") and row["grade"] not in set(Grade):
        problems["grade"] = "应为 C/B/A/major / must be C, B, A or major"
    return problems


def _level(value: str) -> int | None:
    if value.isdigit():
        return int(value) if 2 <= int(value) <= 6 else None
    return LEVEL_NAMES.get(value)


def _collect(out: ParsedTaxonomy, row: dict[str, str]) -> None:
    out.categories.setdefault(row["domain_code"], (row["domain_name"], None, 1, ""))
    out.categories.setdefault(row["type_code"], (row["type_name"], row["domain_code"], 2, ""))
    out.categories[row["leaf_code"]] = (row["leaf_name"], row["type_code"], 3, row.get("keywords", ""))
    out.rules.append({
        "category_code": row["leaf_code"], "area_level": _level(row["area_level"]),
        "unit_type": row.get("unit_type", ""), "appeal_type": row.get("appeal_type", ""),
        "sign_limit": float(row.get("sign_limit") or 2), "sign_unit": row.get("sign_unit") or "wh",
        "handle_limit": float(row.get("handle_limit") or 10), "handle_unit": row.get("handle_unit") or "wd",
        "default_grade": row.get("grade") or "C",
        "disputed": (row.get("disputed") or "").lower() in {"1", "true", "yes", "是", "y"},
    })


def row_message(problems: dict[str, str]) -> tuple[str, str]:
    """(zh, en) text of one row's problems, naming each column by its header (never a Python dict)."""
    zh, en = [], []
    for col, text in problems.items():
        z, _, e = text.partition(" / ")
        zh.append(f"{HEADERS_ZH.get(col, col)}：{z}")
        en.append(f"{col}: {e or z}")
    return "；".join(zh), "; ".join(en)


def template_bytes(fmt: str) -> bytes:
    """An empty import file with the Chinese headers (codes are accepted as well) as CSV or XLSX."""
    headers = [HEADERS_ZH.get(c, c) for c in COLUMNS]
    if fmt == "xlsx":
        from openpyxl import Workbook

        wb = Workbook()
        wb.active.append(headers)  # type: ignore[union-attr]  # a new workbook always has its sheet
        buf = io.BytesIO()
        wb.save(buf)
        return buf.getvalue()
    out = io.StringIO()
    csv.writer(out).writerow(headers)
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def import_taxonomy(session: Session, path: Path, label: str | None = None, activate: bool = True) -> TaxonomyVersion:
    """Import a file as a new taxonomy version (all rows valid, or nothing is written)."""
    parsed = parse(read_rows(path))
    if parsed.errors or not parsed.rules:
        errors = parsed.errors or [{"line": 1, "errors": {"file": "没有数据行 / no data rows"}}]
        raise ValidationFailed({f"line {e['line']}": row_message(e["errors"]) for e in errors})
    version = TaxonomyVersion(label=label or path.stem, source=path.name,
                              sha256=hashlib.sha256(path.read_bytes()).hexdigest())
    session.add(version)
    session.flush()
    for code, (name, parent, level, keywords) in parsed.categories.items():
        session.add(Category(version_id=version.id, code=code, name=name, parent_code=parent, level=level,
                             keywords=keywords))
    for rule in parsed.rules:
        session.add(ResponsibilityRule(version_id=version.id, **rule))
    if activate:
        activate_version(session, version)
    session.flush()
    clear_cache()
    return version


def activate_version(session: Session, version: TaxonomyVersion) -> None:
    """Make `version` the one new cases are routed with."""
    current = repo.active_version(session)
    if current is not None and current.id != version.id:
        current.is_active = False
        session.flush()
    version.is_active = True
    _active_cache.clear()


def export_rows(session: Session, version_id: int) -> list[dict[str, Any]]:
    """Rows in the import format, so an export re-imports to the same content."""
    cats = {c.code: c for c in repo.categories_of(session, version_id)}
    rows = []
    for r in repo.rules_of(session, version_id):
        leaf = cats[r.category_code]
        typ = cats[leaf.parent_code or ""]
        dom = cats[typ.parent_code or ""]
        rows.append({
            "domain_code": dom.code, "domain_name": dom.name, "type_code": typ.code, "type_name": typ.name,
            "leaf_code": leaf.code, "leaf_name": leaf.name, "keywords": leaf.keywords,
            "area_level": {2: "city", 3: "district", 4: "street", 5: "community", 6: "grid"}[r.area_level],
            "unit_type": r.unit_type, "appeal_type": r.appeal_type, "sign_limit": _num(r.sign_limit),
            "sign_unit": r.sign_unit, "handle_limit": _num(r.handle_limit), "handle_unit": r.handle_unit,
            "grade": r.default_grade, "disputed": "yes" if r.disputed else "",
        })
    return rows


def _num(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else str(value)


def write_rows(rows: list[dict[str, Any]], path: Path) -> None:
    """Write export rows as CSV or XLSX by the file suffix."""
    if path.suffix.lower() == ".xlsx":
        from openpyxl import Workbook

        wb = Workbook()
        ws = wb.active
        assert ws is not None  # a new workbook always has one sheet
        ws.append(COLUMNS)
        for row in rows:
            ws.append([row[c] for c in COLUMNS])
        wb.save(path)
        return
    with path.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.DictWriter(fh, fieldnames=COLUMNS)
        writer.writeheader()
        writer.writerows(rows)


_leaf_cache: dict[int, frozenset[str]] = {}
_all_cache: dict[int, frozenset[str]] = {}


def _clear() -> None:
    _leaf_cache.clear()
    _all_cache.clear()
    _names_cache.clear()
    _active_cache.clear()


cache_clearers.append(_clear)


def category_exists(session: Session, version_id: int, code: str, leaf_only: bool = False) -> bool:
    """True if `code` is a category (a leaf, when asked) of the version; versions never change once imported."""
    if version_id not in _leaf_cache:
        cats = repo.categories_of(session, version_id)
        _leaf_cache[version_id] = frozenset(c.code for c in cats if c.level == 3)
        _all_cache[version_id] = frozenset(c.code for c in cats)
    return code in (_leaf_cache if leaf_only else _all_cache)[version_id]


_names_cache: dict[int, dict[str, tuple[str, str]]] = {}
_active_cache: list[int | None] = []


def category_names(session: Session, version_id: int) -> dict[str, tuple[str, str]]:
    """(name, English name) of every category of a version by code; cached, versions never change."""
    if version_id not in _names_cache:
        _names_cache[version_id] = {c.code: (c.name, c.name_en) for c in repo.categories_of(session, version_id)}
    return _names_cache[version_id]


def active_version_id(session: Session) -> int | None:
    """Id of the active taxonomy version, cached until an import or activation clears it."""
    if not _active_cache:
        version = repo.active_version(session)
        _active_cache.append(version.id if version else None)
    return _active_cache[0]
