"""`cityloop services …`: catalogue import/export and the demo catalogue."""

from __future__ import annotations

import json
from dataclasses import asdict
from pathlib import Path
from typing import Annotated

import typer

from cityloop.kit.auth import SYSTEM
from cityloop.kit.cli_run import in_session
from cityloop.kit.errors import DomainError

services_app = typer.Typer(help="一网通办: service items, guides, applications", no_args_is_help=True)


@services_app.command("import")
def import_items(
    file: Annotated[Path, typer.Argument(exists=True, dir_okay=False, help="CSV (UTF-8) or XLSX catalogue")],
    keep_good: Annotated[bool, typer.Option("--keep-good", help="Import the good rows, skip bad ones.")] = False,
) -> None:
    """Import service items; every bad row is reported with its line, nothing is written unless --keep-good."""
    from cityloop.services.items import service

    report = in_session(lambda s: service.import_file(s, SYSTEM, file.read_bytes(), file.name, keep_good))
    typer.echo(json.dumps(asdict(report), ensure_ascii=False, indent=2))


@services_app.command("export")
def export_items(file: Annotated[Path, typer.Argument(dir_okay=False, help="Target .csv or .xlsx")]) -> None:
    """Export the live catalogue in the import's columns."""
    from cityloop.kit.db import session_scope
    from cityloop.services.items import service

    with session_scope() as session:
        count = service.export_file(session, file)
    typer.echo(json.dumps({"rows": count, "file": str(file)}, ensure_ascii=False))


@services_app.command("demo")
def demo(
    if_empty: Annotated[bool, typer.Option("--if-empty", help="Do nothing when items already exist.")] = False,
    days: Annotated[int, typer.Option(help="Days of demo applications (needs the demo users).", min=0)] = 90,
) -> None:
    """Load the demo catalogue, bundles, places and `days` days of applications with ratings."""
    from cityloop.kit.db import session_scope
    from cityloop.services.demo import seed

    with session_scope() as session:
        report = seed.seed_all(session, if_empty, days)
    typer.echo(json.dumps(report, ensure_ascii=False))


guide_app = typer.Typer(help="Situational guides (YAML or JSON)", no_args_is_help=True)
services_app.add_typer(guide_app, name="guide")


@guide_app.command("import")
def import_guide(code: str, file: Annotated[Path, typer.Argument(exists=True, dir_okay=False)]) -> None:
    """Validate a guide file and save it as the item's next version (refused with the failing path)."""
    from cityloop.kit.db import session_scope
    from cityloop.services.guides import authoring

    try:
        with session_scope() as session:
            item = authoring.save(session, SYSTEM, code, authoring.parse(file.read_text(encoding="utf-8"), file.name))
            version = item.version
    except DomainError as err:
        typer.echo(json.dumps(err.payload(), ensure_ascii=False, indent=2), err=True)
        raise typer.Exit(1) from None
    typer.echo(json.dumps({"code": code, "version": version}, ensure_ascii=False))


@guide_app.command("export")
def export_guide(code: str, file: Annotated[Path, typer.Argument(dir_okay=False)]) -> None:
    """Write an item's guide as YAML (.yaml/.yml) or JSON."""
    from cityloop.kit.db import session_scope
    from cityloop.services.guides import authoring
    from cityloop.services.items import service

    with session_scope() as session:
        file.write_text(authoring.dump(service.get_item(session, code), file.name), encoding="utf-8")
    typer.echo(json.dumps({"code": code, "file": str(file)}, ensure_ascii=False))


@services_app.command("sweep")
def sweep_command() -> None:
    """Urge and escalate late applications now (the server does this every sweep interval)."""
    from cityloop.services.tasks import run_sweep

    typer.echo(json.dumps(asdict(run_sweep()), ensure_ascii=False))
