"""`cityloop divisions …`: import the national division list and user-defined communities/villages."""

from __future__ import annotations

import json
import re
import time
from pathlib import Path
from typing import Annotated

import typer

divisions_app = typer.Typer(help="Divisions (行政区划): national list to township, communities below.",
                            no_args_is_help=True)


@divisions_app.callback()
def _group() -> None:
    """Divisions (行政区划)."""


def _prefix(value: str | None) -> str | None:
    """Check a province/city code prefix (2, 4, 6 or 9 digits)."""
    if value is not None and not re.fullmatch(r"\d{2}|\d{4}|\d{6}|\d{9}", value):
        raise typer.BadParameter("must be a 2, 4, 6 or 9-digit division code")
    return value


@divisions_app.command("import")
def import_command(
    province: Annotated[str | None, typer.Option("--province", callback=_prefix,
                                                 help="Only this province/city code prefix (and its ancestors).")]
    = None,
    file: Annotated[Path | None, typer.Option("--file", exists=True, dir_okay=False,
                                              help="CSV of communities/villages: code (12 digits), name, "
                                                   "parent_code (9 digits); optional short_name, valid_from, "
                                                   "valid_to.")] = None,
    national: Annotated[bool, typer.Option("--national/--no-national",
                                           help="Upsert the packaged national list first.")] = True,
) -> None:
    """Upsert divisions by code (never deletes); a CSV with any bad row writes nothing and lists the lines."""
    from cityloop.areas.divisions import service as divisions
    from cityloop.kit.db import session_scope

    report: dict[str, object] = {}
    started = time.perf_counter()
    with session_scope() as session:
        if national:
            result = divisions.import_national(session, province)
            if result.errors:
                typer.echo(result.errors[0].message, err=True)
                raise typer.Exit(1)
            report["national"] = {"inserted": result.inserted, "updated": result.updated,
                                  "unchanged": result.unchanged}
        if file is not None:
            session.flush()
            result = divisions.import_communities(session, file.read_text(encoding="utf-8-sig"))
            if result.errors:
                session.rollback()
                for err in result.errors:
                    typer.echo(f"{file.name}:{err.line}: {err.column}: {err.message}", err=True)
                raise typer.Exit(1)
            report["communities"] = {"inserted": result.inserted, "updated": result.updated,
                                     "unchanged": result.unchanged}
    report["seconds"] = round(time.perf_counter() - started, 2)
    typer.echo(json.dumps(report, ensure_ascii=False))
