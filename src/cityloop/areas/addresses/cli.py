"""`cityloop address …` commands: standardise addresses; place free text (placement.cli adds those)."""

from __future__ import annotations

import csv
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Annotated

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

from cityloop.areas.addresses.standardizer import standardize
from cityloop.areas.divisions.gazetteer import gazetteer
from cityloop.areas.placement.cli import add_commands as add_placement_commands

OUTPUT_COLUMNS = (
    "province",
    "city",
    "district",
    "town",
    "community",
    "road",
    "number",
    "poi",
    "division_code",
    "confidence",
)
_PROGRESS_STEP = 200  # refreshing the bar per row would cost more than parsing the row

address_app = typer.Typer(help="Standardise Chinese addresses (标准地址).", no_args_is_help=True)

Within = Annotated[
    str | None,
    typer.Option("--within", help="Division-code prefix to prefer when names are ambiguous, e.g. 3301."),
]


@address_app.command("standardize")
def standardize_command(
    text: Annotated[str, typer.Argument(help="Free-text address.")], within: Within = None
) -> None:
    """Print the standardised form of one address as JSON."""
    typer.echo(json.dumps(standardize(text, within=within).to_dict(), ensure_ascii=False, indent=2))


def _count_lines(path: Path) -> int:
    """Data rows in a CSV file, counted by line (for the progress total only)."""
    with path.open("rb") as handle:
        return max(0, sum(1 for _ in handle) - 1)


def _rows(reader: csv.DictReader[str], column: str, within: str | None) -> Iterator[dict[str, str]]:
    """Input rows with the standardised columns added."""
    for row in reader:
        result = standardize(row.get(column) or "", within=within)
        out = dict(row)
        for name in OUTPUT_COLUMNS:
            value = getattr(result, name)
            out[name] = "" if value is None else str(value)
        yield out


def standardize_csv(
    source: Path, target: Path, column: str, *, within: str | None = None, progress: Progress | None = None
) -> int:
    """Standardise one column of a CSV file (utf-8, with or without BOM) into a copy with extra columns."""
    gazetteer()  # build the index before the clock and the bar start
    with (
        source.open(encoding="utf-8-sig", newline="") as src,
        target.open("w", encoding="utf-8", newline="") as dst,
    ):
        reader = csv.DictReader(src)
        fields = list(reader.fieldnames or [])
        if column not in fields:
            raise typer.BadParameter(f"column {column!r} not in {source.name} (columns: {', '.join(fields)})")
        writer = csv.DictWriter(dst, fieldnames=fields + [c for c in OUTPUT_COLUMNS if c not in fields])
        writer.writeheader()
        task = progress.add_task("standardising", total=_count_lines(source)) if progress else None
        count = 0
        for count, row in enumerate(_rows(reader, column, within), start=1):
            writer.writerow(row)
            if progress is not None and task is not None and count % _PROGRESS_STEP == 0:
                progress.update(task, completed=count)
        if progress is not None and task is not None:
            progress.update(task, completed=count, total=count)
    return count


@address_app.command("standardize-file")
def standardize_file_command(
    source: Annotated[
        Path, typer.Argument(exists=True, dir_okay=False, help="Input CSV (utf-8 or utf-8-sig).")
    ],
    column: Annotated[str, typer.Option("--column", help="Column holding the address text.")],
    out: Annotated[Path, typer.Option("--out", help="Output CSV: input columns plus standardised ones.")],
    within: Within = None,
) -> None:
    """Standardise a CSV column of addresses, keeping the input columns and adding the standard ones."""
    columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn())
    with Progress(*columns, transient=False) as progress:
        count = standardize_csv(source, out, column, within=within, progress=progress)
    typer.echo(f"{count} addresses → {out}")


add_placement_commands(address_app)
