"""`cityloop gridwork …`: patrol points import."""

from __future__ import annotations

import json
from dataclasses import asdict
from pathlib import Path
from typing import Annotated

import typer

from cityloop.kit.auth import SYSTEM
from cityloop.kit.cli_run import in_session

gridwork_app = typer.Typer(help="Grid work: patrol points, check-ins, coverage", no_args_is_help=True)
points_app = typer.Typer(help="Patrol points (打卡点位)", no_args_is_help=True)
gridwork_app.add_typer(points_app, name="points")


@points_app.command("import")
def import_points(
    file: Annotated[Path, typer.Argument(exists=True, dir_okay=False,
                                         help="CSV (UTF-8) or XLSX: point_id,name,lng,lat,cycle_days,worker")],
    keep_good: Annotated[bool, typer.Option("--keep-good", help="Import the good rows, skip bad ones.")] = False,
) -> None:
    """Import patrol points and their responsible grid workers; nothing is written if any row is bad."""
    from cityloop.gridwork.points import service

    report = in_session(lambda s: service.import_file(s, SYSTEM, file.read_bytes(), file.name, keep_good))
    typer.echo(json.dumps(asdict(report), ensure_ascii=False, indent=2))
