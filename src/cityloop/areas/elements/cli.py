"""`cityloop elements …`: import elements and standard addresses from CSV/XLSX, re-grid after grid changes."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from cityloop.areas.elements.models import ElementKind
from cityloop.kit.auth import SYSTEM
from cityloop.kit.errors import DomainError

elements_app = typer.Typer(help="Elements in the grid (要素入格) and the standard-address table.", no_args_is_help=True)
KINDS = ", ".join(k.value for k in ElementKind)


def _import(kind: ElementKind, file: Path, keep_good: bool) -> None:
    from cityloop.areas.elements import service as elements
    from cityloop.kit.db import session_scope

    try:
        with session_scope() as session:
            report = elements.import_file(session, SYSTEM, kind, file.read_bytes(), file.name, keep_good)
    except DomainError as err:
        typer.echo(json.dumps(err.payload(), ensure_ascii=False, indent=2), err=True)
        raise typer.Exit(1) from None
    out = report.to_dict()
    out["codes"] = out["codes"][:20]  # a census file creates thousands; the count says enough
    typer.echo(json.dumps(out, ensure_ascii=False, indent=2))


@elements_app.command("import")
def import_command(
    kind: Annotated[ElementKind, typer.Argument(help=f"One of: {KINDS}.")],
    file: Annotated[Path, typer.Argument(exists=True, dir_okay=False, help="CSV (UTF-8) or XLSX, header row first.")],
    keep_good: Annotated[bool, typer.Option("--keep-good", help="Import the good rows, skip bad ones.")] = False,
) -> None:
    """Import elements of one kind; by default nothing is written if any row is bad."""
    _import(kind, file, keep_good)


@elements_app.command("addresses-import")
def addresses_import_command(
    file: Annotated[Path, typer.Argument(exists=True, dir_okay=False, help="CSV/XLSX with text, lng, lat columns.")],
    keep_good: Annotated[bool, typer.Option("--keep-good", help="Import the good rows, skip bad ones.")] = False,
) -> None:
    """Import standard addresses (标准地址库); intake then geocodes addresses that match them."""
    _import(ElementKind.ADDRESSES, file, keep_good)


@elements_app.command("regrid")
def regrid_command(grid_codes: Annotated[list[str], typer.Argument(help="Grids that were merged, split or retired.")]
                   ) -> None:
    """Move the elements and addresses of the given grids into the grids now at their points."""
    from cityloop.areas.elements import service as elements
    from cityloop.kit.db import session_scope

    with session_scope() as session:
        moved = elements.regrid(session, SYSTEM, grid_codes)
    typer.echo(json.dumps({"moved": moved}))
