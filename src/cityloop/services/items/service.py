"""Catalogue rules: search in citizens' words, import with a row report (versioning changed items), export."""

from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session

from cityloop.areas.elements.table_import import read_checked, rejected, row_error
from cityloop.audit import service as audit
from cityloop.kit.auth import Role, Subject
from cityloop.kit.errors import Forbidden, NotFound, ValidationFailed
from cityloop.services.items import repository as repo
from cityloop.services.items.models import ServiceItem, Synonym
from cityloop.services.items.rows import COLUMNS, ItemRow, parse_row, to_row

DATA = Path(__file__).resolve().parent / "data"
SEARCH_LIMIT = 50


@dataclass
class ItemImport:
    """Outcome of an import: new items, new versions, unchanged, and rejected rows with their lines."""

    created: int = 0
    versioned: int = 0
    unchanged: int = 0
    errors: list[dict[str, Any]] = field(default_factory=list)


@cache
def synonyms() -> dict[str, list[str]]:
    """Citizens' words → catalogue words (data/synonyms.json)."""
    data: dict[str, list[str]] = json.loads((DATA / "synonyms.json").read_text(encoding="utf-8"))
    return data


def search_terms(q: str, table: dict[str, list[str]] | None = None) -> list[str]:
    """Terms of a query: jieba words of two or more characters, expanded by the synonym table."""
    table = table if table is not None else synonyms()
    import jieba

    q = q.strip()[:100]
    if not q:
        return []
    words = [w for w in jieba.lcut_for_search(q) if len(w.strip()) >= 2] or [q]
    # Phrases of the synonym table inside the query count even when jieba cuts them apart (生孩子 → 生/孩子).
    phrases = [p for p in table if p in q and p not in words]
    terms: list[str] = []
    for word in [q, *phrases, *words]:
        for term in [word, *table.get(word, [])]:
            if term not in terms:
                terms.append(term)
    return terms


def search(session: Session, q: str, limit: int = 20) -> list[ServiceItem]:
    """Live items for a query, best first: more matched terms, a name hit, then popularity."""
    terms = search_terms(q, synonym_table(session))
    found = repo.matching(session, terms, SEARCH_LIMIT if terms else limit)

    def score(item: ServiceItem) -> tuple[int, int, int]:
        in_name = sum(t in item.name for t in terms)
        in_text = sum(t in item.keywords or t in item.themes for t in terms)
        return (-(2 * in_name + in_text), -item.popularity, 0)

    return sorted(found, key=score)[:limit]


def get_item(session: Session, code: str) -> ServiceItem:
    """The live version of an item, or NotFound."""
    item = repo.active(session, code)
    if item is None:
        raise NotFound("没有这个事项", "No such service item")
    return item


def import_file(session: Session, subject: Subject, data: bytes, filename: str, keep_good: bool = False
                ) -> ItemImport:
    """Import a CSV/XLSX catalogue; nothing is written if any row is bad unless `keep_good`."""
    if not subject.has(Role.ADMIN):
        raise Forbidden("只有管理员可以导入事项目录", "Only administrators may import the catalogue")
    rows = _read(data, filename)
    first: dict[str, int] = {}
    for row in rows:
        code = row.fields.get("code")
        if code and first.setdefault(code, row.line) != row.line:
            row.problems.append(("code", f"与第 {first[code]} 行重复", f"repeats line {first[code]}"))
    report = ItemImport(errors=[_error(r) for r in rows if r.problems])
    if report.errors and not keep_good:
        raise rejected(report.errors)
    _write(session, [r for r in rows if not r.problems], report)
    audit.record(session, subject, "import_service_items", "service_item", [],
                 {"created": report.created, "versioned": report.versioned, "rejected": len(report.errors)})
    session.commit()
    return report


def _read(data: bytes, filename: str) -> list[ItemRow]:
    return [parse_row(line, values) for line, values in read_checked(data, filename, COLUMNS)]


def _error(row: ItemRow) -> dict[str, Any]:
    return row_error(row.line, row.problems)


def _write(session: Session, rows: list[ItemRow], report: ItemImport) -> None:
    existing = repo.active_by_codes(session, [r.fields["code"] for r in rows])
    for row in rows:
        old = existing.get(row.fields["code"])
        if old is not None and all(getattr(old, k) == v for k, v in row.fields.items()):
            report.unchanged += 1
            continue
        version = 1
        if old is not None:
            # An application keeps the version it was filed under, so a change is a new row, not an edit.
            old.is_active = False
            session.flush()
            version = old.version + 1
            report.versioned += 1
        else:
            report.created += 1
        session.add(ServiceItem(version=version, popularity=old.popularity if old else 0, **row.fields))
    session.flush()


def export_file(session: Session, path: Path) -> int:
    """Write the live catalogue as CSV or XLSX (by suffix) in the import's columns; returns the row count."""
    rows = [to_row(item) for item in repo.all_active(session)]
    if path.suffix.lower() == ".xlsx":
        from openpyxl import Workbook

        book = Workbook()
        sheet = book.active
        assert sheet is not None
        sheet.append(list(COLUMNS))
        for row in rows:
            sheet.append([row[c] for c in COLUMNS])
        book.save(path)
    else:
        buffer = io.StringIO()
        writer = csv.DictWriter(buffer, fieldnames=list(COLUMNS))
        writer.writeheader()
        writer.writerows(rows)
        path.write_text(buffer.getvalue(), encoding="utf-8-sig")
    return len(rows)


def new_version(session: Session, item: ServiceItem, **changes: Any) -> ServiceItem:
    """Retire the live row and add the next version with `changes` (the caller commits)."""
    item.is_active = False
    session.flush()
    fields = {c.name: getattr(item, c.name) for c in ServiceItem.__table__.columns
              if c.name not in {"id", "created_at", "updated_at"}}
    newer = ServiceItem(**{**fields, **changes, "version": item.version + 1, "is_active": True})
    session.add(newer)
    session.flush()
    return newer


def synonym_table(session: Session) -> dict[str, list[str]]:
    """The shipped table (data/synonyms.json) with the administrators' entries over it."""
    return {**synonyms(), **{s.phrase: list(s.terms) for s in repo.synonyms(session)}}


def set_synonym(session: Session, subject: Subject, phrase: str, terms: list[str]) -> None:
    """Add, change or (with no terms) remove an administrator's synonym entry."""
    if not subject.has(Role.ADMIN):
        raise Forbidden("只有管理员可以维护同义词", "Only administrators may edit synonyms")
    phrase, terms = phrase.strip()[:40], [t.strip()[:40] for t in terms if t.strip()][:20]
    if not phrase:
        raise ValidationFailed({"phrase": ("请填写群众说法", "give the phrase citizens use")})
    entry = repo.synonym(session, phrase)
    if not terms:
        if entry is not None:
            session.delete(entry)
    elif entry is None:
        session.add(Synonym(phrase=phrase, terms=terms))
    else:
        entry.terms = terms
    audit.record(session, subject, "edit_service_synonym", "service_synonym", [], {"phrase": phrase, "terms": terms})
    session.commit()
