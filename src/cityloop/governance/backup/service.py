"""`cityloop backup` and `cityloop restore`: one consistent snapshot of the database, uploads and models."""

from __future__ import annotations

import hashlib
import json
import shutil
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from alembic.migration import MigrationContext
from sqlalchemy import Connection, Engine, MetaData, Table, func, insert, select, text
from sqlalchemy.exc import OperationalError

from cityloop.config import get_settings
from cityloop.governance.backup.tables import dump, read, stored_form
from cityloop.kit.clock import utcnow
from cityloop.kit.db import Base
from cityloop.kit.errors import ValidationFailed

FORMAT = 1
MANIFEST = "manifest.json"
# Rows the migrations themselves insert (the audit chain's head); a database holding only these is empty.
SEEDED = frozenset({"audit_head"})


@dataclass
class Snapshot:
    """What a backup holds."""

    directory: Path
    revision: str | None
    tables: dict[str, int] = field(default_factory=dict)
    files: dict[str, str] = field(default_factory=dict)


def _file_dirs() -> dict[str, Path]:
    settings = get_settings()
    return {"uploads": settings.var_dir / "uploads", "models": settings.model_dir}


def backup(engine: Engine, out: Path) -> Snapshot:
    """Write the snapshot into `out` (created; it must be empty): tables, files and a manifest with checksums."""
    if out.exists() and any(out.iterdir()):
        raise ValidationFailed({"out": ("备份目录不是空的", "The backup directory is not empty")})
    (out / "tables").mkdir(parents=True, exist_ok=True)
    shot = Snapshot(out, None)
    stored = MetaData()
    with engine.connect() as conn:
        _begin_snapshot(conn)
        shot.revision = MigrationContext.configure(conn).get_current_revision()
        for table in Base.metadata.sorted_tables:
            shot.tables[table.name] = dump(conn, stored_form(table, stored), out / "tables" / f"{table.name}.jsonl.gz")
        conn.rollback()
    for name, source in _file_dirs().items():
        if source.is_dir():
            shutil.copytree(source, out / "files" / name)
    shot.files = _checksums(out)
    manifest = {"format": FORMAT, "created_at": utcnow().isoformat(), "backend": engine.dialect.name,
                "revision": shot.revision, "tables": shot.tables, "sha256": shot.files}
    (out / MANIFEST).write_text(json.dumps(manifest, ensure_ascii=False, indent=1), encoding="utf-8")
    return shot


def _begin_snapshot(conn: Connection) -> None:
    # Every table must be read as of one moment, or a case could be saved without the events written after it.
    if conn.dialect.name == "postgresql":
        conn.execute(text("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY"))
    else:
        conn.exec_driver_sql("BEGIN")  # SQLite in WAL mode: one read transaction sees one snapshot


def _checksums(root: Path) -> dict[str, str]:
    sums = {}
    for path in sorted(root.rglob("*")):
        if path.is_file() and path.name != MANIFEST:
            sums[path.relative_to(root).as_posix()] = hashlib.sha256(path.read_bytes()).hexdigest()
    return sums


def read_manifest(source: Path) -> dict[str, Any]:
    """The manifest of a backup, after checking every file against its checksum."""
    try:
        manifest: dict[str, Any] = json.loads((source / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise ValidationFailed({"source": ("不是 CityLoop 备份目录", "Not a CityLoop backup directory")}) from exc
    if manifest.get("format") != FORMAT:
        raise ValidationFailed({"source": ("备份格式不受支持", "Unsupported backup format")})
    bad = [name for name, digest in manifest["sha256"].items()
           if not (source / name).is_file() or hashlib.sha256((source / name).read_bytes()).hexdigest() != digest]
    if bad:
        raise ValidationFailed({"source": (f"备份文件缺失或已损坏：{', '.join(bad[:5])}",
                                           f"Backup files missing or damaged: {', '.join(bad[:5])}")})
    return manifest


def occupied_tables(conn: Connection) -> list[str]:
    """Tables that hold rows beyond what the migrations insert."""
    return [t.name for t in Base.metadata.sorted_tables
            if t.name not in SEEDED and conn.execute(select(func.count()).select_from(t)).scalar_one()]


def restore(engine: Engine, source: Path, replace: bool = False) -> dict[str, int]:
    """Load a backup into the (migrated) database; refuses a non-empty one unless `replace`. Rows per table."""
    manifest = read_manifest(source)
    with engine.connect() as conn:
        revision = MigrationContext.configure(conn).get_current_revision()
    if revision != manifest["revision"]:
        theirs = manifest["revision"]
        raise ValidationFailed({"source": (f"备份的数据库版本 {theirs} 与当前 {revision} 不一致，请先迁移到同一版本",
                                           f"The backup is at schema {theirs}, this database at {revision}: "
                                           "migrate to the same revision first")})
    try:
        with engine.begin() as conn:
            occupied = occupied_tables(conn)
            if occupied and not replace:
                listed = ", ".join(occupied[:5])
                raise ValidationFailed({"target": (f"数据库不是空的（{listed}），加 --replace 才会覆盖",
                                                   f"The database is not empty ({listed}); use --replace")})
            _empty(conn)
            loaded = _load(conn, source)
    except OperationalError as exc:
        raise ValidationFailed({"target": ("数据库正被使用（应用还在运行？），请先停止服务再恢复",
                                           "The database is in use (is the app still running?); stop it before "
                                           "restoring")}) from exc
    _restore_files(source)
    return loaded


def _empty(conn: Connection) -> None:
    tables = list(reversed(Base.metadata.sorted_tables))
    if conn.dialect.name == "postgresql":
        # TRUNCATE waits for every open transaction on these tables: fail clearly if the app is still running.
        conn.execute(text("SET LOCAL lock_timeout = '30s'"))
        names = ", ".join(f'"{t.name}"' for t in tables)
        conn.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))  # row triggers (append-only) do not fire
        return
    conn.exec_driver_sql("PRAGMA defer_foreign_keys=ON")
    for table in tables:
        triggers = _sqlite_triggers(conn, table.name, "DELETE")
        for name, _sql in triggers:
            conn.exec_driver_sql(f'DROP TRIGGER "{name}"')
        conn.execute(table.delete())
        for _name, sql in triggers:
            conn.exec_driver_sql(sql)  # the append-only guard returns once the table is empty


def _sqlite_triggers(conn: Connection, table: str, verb: str) -> list[tuple[str, str]]:
    rows = conn.exec_driver_sql("SELECT name, sql FROM sqlite_master WHERE type = 'trigger' AND tbl_name = ?",
                                (table,)).all()
    return [(name, sql) for name, sql in rows if f"BEFORE {verb}" in sql.upper()]


def _load(conn: Connection, source: Path) -> dict[str, int]:
    if conn.dialect.name == "sqlite":
        conn.exec_driver_sql("PRAGMA defer_foreign_keys=ON")  # a case may be merged into a later one
    stored, loaded = MetaData(), {}
    for table in Base.metadata.sorted_tables:
        path = source / "tables" / f"{table.name}.jsonl.gz"
        if not path.is_file():
            continue
        target = stored_form(table, stored)
        loaded[table.name] = 0
        for batch in read(target, path):
            conn.execute(insert(target), batch)
            loaded[table.name] += len(batch)
        if conn.dialect.name == "postgresql":
            _advance_sequences(conn, target)
    return loaded


def _advance_sequences(conn: Connection, table: Table) -> None:
    # Rows came with their ids; the next id the database hands out must follow them.
    for column in table.primary_key.columns:
        sequence = conn.execute(text("SELECT pg_get_serial_sequence(:t, :c)"),
                                {"t": table.name, "c": column.name}).scalar()
        if sequence:
            conn.execute(text(f'SELECT setval(:s, COALESCE((SELECT max("{column.name}") FROM "{table.name}"), 0) + 1, '
                              "false)"), {"s": sequence})


def _restore_files(source: Path) -> None:
    for name, target in _file_dirs().items():
        copied = source / "files" / name
        if copied.is_dir():
            if target.exists():
                shutil.rmtree(target)
            shutil.copytree(copied, target)
