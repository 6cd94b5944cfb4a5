"""`cityloop backup --out DIR` and `cityloop restore DIR [--replace]`."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from cityloop.kit.errors import DomainError


def _refuse(err: DomainError) -> None:
    typer.echo(json.dumps(err.payload(), ensure_ascii=False, indent=2), err=True)
    raise typer.Exit(1)


def backup_command(out: Annotated[Path, typer.Option("--out", help="Empty or new directory for the backup")]) -> None:
    """Write a consistent snapshot of the database, uploads and models into DIR (with checksums)."""
    from cityloop.governance.backup.service import backup
    from cityloop.kit.db import get_engine

    try:
        shot = backup(get_engine(), out)
    except DomainError as err:
        _refuse(err)
        return
    rows = sum(shot.tables.values())
    typer.echo(f"{rows} rows in {len(shot.tables)} tables, {len(shot.files)} files → {out} (schema {shot.revision})")


def restore_command(source: Annotated[Path, typer.Argument(help="A directory written by `cityloop backup`")],
                    replace: Annotated[bool, typer.Option(help="Overwrite a database with data")] = False) -> None:
    """Load a backup into this database (migrated to the backup's schema first if it is new)."""
    from alembic import command
    from alembic.migration import MigrationContext

    from cityloop.governance.backup.service import read_manifest, restore
    from cityloop.kit.db import get_engine
    from cityloop.migrate import alembic_config

    try:
        manifest = read_manifest(source)
        engine = get_engine()
        with engine.connect() as conn:
            fresh = MigrationContext.configure(conn).get_current_revision() is None
        if fresh and manifest["revision"]:
            command.upgrade(alembic_config(), manifest["revision"])
        loaded = restore(engine, source, replace=replace)
    except DomainError as err:
        _refuse(err)
        return
    typer.echo(f"{sum(loaded.values())} rows restored into {len(loaded)} tables; run `cityloop audit verify` to "
               "prove the audit chain intact")
