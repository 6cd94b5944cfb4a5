"""`cityloop video …`: the camera registry."""

from __future__ import annotations

import json
from dataclasses import asdict
from pathlib import Path
from typing import Annotated

import typer

from cityloop.kit.auth import SYSTEM
from cityloop.kit.cli_run import in_session

video_app = typer.Typer(help="AI-video alarms", no_args_is_help=True)
cameras_app = typer.Typer(help="Camera registry", no_args_is_help=True)
video_app.add_typer(cameras_app, name="cameras")


@cameras_app.command("import")
def import_cameras(
    file: Annotated[Path, typer.Argument(exists=True, dir_okay=False, help="CSV/XLSX: camera_id,name,lng,lat")],
    keep_good: Annotated[bool, typer.Option("--keep-good", help="Import the good rows, skip bad ones.")] = False,
) -> None:
    """Import cameras (one row each); nothing is written if any row is bad."""
    from cityloop.channels.video.cameras import import_cameras as run

    report = in_session(lambda s: run(s, SYSTEM, file.read_bytes(), file.name, keep_good))
    typer.echo(json.dumps(asdict(report), ensure_ascii=False, indent=2))
