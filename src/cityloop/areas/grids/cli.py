"""`cityloop grids …`: import/export GeoJSON, validation report and point lookup."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from cityloop.kit.auth import SYSTEM
from cityloop.kit.errors import DomainError

grids_app = typer.Typer(help="Unit grids (单元网格): GeoJSON import/export, validation, lookup.", no_args_is_help=True)


def _fail(err: DomainError) -> typer.Exit:
    typer.echo(json.dumps(err.payload(), ensure_ascii=False, indent=2), err=True)
    return typer.Exit(1)


@grids_app.command("import")
def import_command(
    file: Annotated[Path, typer.Argument(exists=True, dir_okay=False,
                                         help="GeoJSON; .shp/.zip/.gpkg/.fgb with the gis extra (pyogrio).")],
    crs: Annotated[str | None, typer.Option(help="Coordinates of the file: wgs84, gcj02, bd09 or cgcs2000.")] = None,
    keep_good: Annotated[bool, typer.Option("--keep-good", help="Import the good features, skip bad ones.")] = False,
) -> None:
    """Import grids; by default nothing is written if any feature is bad."""
    from cityloop.areas.grids import files as grid_files
    from cityloop.areas.grids import service as grids
    from cityloop.kit.db import session_scope

    try:
        data = grid_files.read_collection(file)
        with session_scope() as session:
            report = grids.import_geojson(session, SYSTEM, data, crs, keep_good)
    except DomainError as err:
        raise _fail(err) from None
    typer.echo(json.dumps(report.to_dict(), ensure_ascii=False, indent=2))


@grids_app.command("export")
def export_command(
    out: Annotated[Path | None, typer.Option(
        help="Write here instead of standard output; .shp/.gpkg/.fgb need the gis extra.")] = None,
    division: Annotated[str | None, typer.Option(help="Only grids under this division code.")] = None,
    include_retired: Annotated[bool, typer.Option("--include-retired")] = False,
) -> None:
    """Export grids as a WGS84 GeoJSON FeatureCollection."""
    from cityloop.areas.grids import files as grid_files
    from cityloop.areas.grids import service as grids
    from cityloop.kit.db import session_scope

    with session_scope() as session:
        collection = grids.export_geojson(session, SYSTEM, division, include_retired)
    if out is None:
        typer.echo(json.dumps(collection, ensure_ascii=False))
        return
    try:
        grid_files.write_collection(collection, out)
    except DomainError as err:
        raise _fail(err) from None


@grids_app.command("validate")
def validate_command(
    division: Annotated[str | None, typer.Option(help="Only grids under this division code.")] = None,
) -> None:
    """Print overlaps, gaps inside communities and invalid rings as JSON; exit 1 when any is found."""
    from cityloop.areas.grids import service as grids
    from cityloop.kit.db import session_scope

    with session_scope() as session:
        report = grids.validation_report(session, SYSTEM, division)
    typer.echo(json.dumps(report, ensure_ascii=False, indent=2))
    if report["overlaps"] or report["gaps"] or report["invalid"]:
        raise typer.Exit(1)


@grids_app.command("lookup")
def lookup_command(
    lng: Annotated[float, typer.Argument(min=-180, max=180)], lat: Annotated[float, typer.Argument(min=-90, max=90)],
    crs: Annotated[str, typer.Option(help="Coordinates given in wgs84, gcj02, bd09 or cgcs2000.")] = "wgs84",
) -> None:
    """Print the grid and division at a point as JSON."""
    from cityloop.areas.grids import service as grids
    from cityloop.kit.db import session_scope

    with session_scope() as session:
        found = grids.lookup(session, SYSTEM, lng, lat, crs)
    typer.echo(json.dumps(found or {"grid_code": None, "division_code": None}, ensure_ascii=False))
