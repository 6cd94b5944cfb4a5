"""Registry imports: every row checked first (all or nothing unless asked), then written in committed chunks.

Each chunk commits with its rows' incremental re-match, so a crash leaves whole chunks; `resume` continues the
unfinished run of the same file (by SHA-256) after its last committed chunk. Rows whose digest did not change are
counted as unchanged and neither written nor re-matched.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from cityloop.areas.elements.table_import import read_checked, rejected, row_error
from cityloop.audit import service as audit
from cityloop.kit.auth import Role, Subject
from cityloop.kit.errors import Forbidden
from cityloop.policy.matching import service as matching
from cityloop.policy.registry.models import ImportRun
from cityloop.policy.registry.rows import Problem

CHUNK_SIZE = 5000


@dataclass
class Chunk:
    """What writing one chunk did; `changed` are the subject ids of created and updated rows."""

    created: int = 0
    updated: int = 0
    unchanged: int = 0
    changed: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class Kind:
    """One registry: its columns, row parser, duplicate key and chunk writer."""

    name: str  # enterprise | person
    columns: tuple[str, ...]
    parse: Callable[[dict[str, str]], tuple[dict[str, Any], list[Problem]]]
    key: str  # the column a row is identified by
    write: Callable[[Session, list[dict[str, Any]]], Chunk]


@dataclass
class RegistryImport:
    """Outcome: rows created, updated and unchanged, rows rejected with their lines, chunks and resumption."""

    created: int = 0
    updated: int = 0
    unchanged: int = 0
    errors: list[dict[str, Any]] = field(default_factory=list)
    chunks: int = 0
    resumed_after: int = 0
    run_id: int = 0


def run(session: Session, subject: Subject, kind: Kind, data: bytes, filename: str, keep_good: bool = False,
        resume: bool = False, chunk_size: int = CHUNK_SIZE) -> RegistryImport:
    """Check every row, then write the good ones chunk by chunk (each chunk committed with its re-match)."""
    if not subject.has(Role.ADMIN):
        raise Forbidden("只有管理员可以导入名录库", "Only administrators may import a registry")
    parsed = [(line, *kind.parse(values)) for line, values in read_checked(data, filename, kind.columns)]
    _duplicates(parsed, kind.key)
    errors = [row_error(line, p) for line, _row, p in parsed if p]
    if errors and not keep_good:
        raise rejected(errors)
    rows = [row for _line, row, p in parsed if not p]
    record = _run_record(session, kind, hashlib.sha256(data).hexdigest(), filename, resume, chunk_size, len(rows))
    record.rejected = len(errors)
    report = RegistryImport(errors=errors, resumed_after=record.chunks_done, run_id=record.id)
    size = record.chunk_size
    for index in range(record.chunks_done, record.chunks_total):
        done = kind.write(session, rows[index * size:(index + 1) * size])
        matching.rematch_subjects(session, kind.name, done.changed)
        record.chunks_done = index + 1
        record.created, record.updated = record.created + done.created, record.updated + done.updated
        record.unchanged += done.unchanged
        record.state = "done" if record.chunks_done == record.chunks_total else "running"
        audit.record(session, subject, f"import_{kind.name}s", f"policy_{kind.name}", [],
                     {"run": record.id, "chunk": index + 1, "created": done.created, "updated": done.updated,
                      "unchanged": done.unchanged})
        session.commit()
    record.state = "done"
    session.commit()
    report.created, report.updated, report.unchanged = record.created, record.updated, record.unchanged
    report.chunks = record.chunks_total
    return report


def _run_record(session: Session, kind: Kind, sha: str, filename: str, resume: bool, chunk_size: int,
                rows: int) -> ImportRun:
    if resume:
        stmt = select(ImportRun).where(ImportRun.kind == kind.name, ImportRun.sha256 == sha,
                                       ImportRun.state == "running").order_by(ImportRun.id.desc()).limit(1)
        found = session.scalars(stmt).first()
        if found is not None:
            return found
    size = max(1, chunk_size)
    record = ImportRun(kind=kind.name, sha256=sha, filename=filename[:200], chunk_size=size,
                       chunks_total=max(1, -(-rows // size)), state="running")
    session.add(record)
    session.commit()  # the run must outlive a crash in its first chunk
    return record


def _duplicates(parsed: list[tuple[int, dict[str, Any], list[Problem]]], key: str) -> None:
    first: dict[str, int] = {}
    for line, row, problems in parsed:
        seen = first.setdefault(row[key], line)
        if seen != line and not problems:
            problems.append((key, f"与第 {seen} 行重复", f"duplicates line {seen}"))
