"""`cityloop address locate | locate-file | learn-names`: place free text on a division, learn local names."""

from __future__ import annotations

import csv
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Annotated

import typer
from sqlalchemy.exc import SQLAlchemyError

from cityloop.areas.divisions.gazetteer import gazetteer
from cityloop.areas.placement.names import Lexicon
from cityloop.areas.placement.service import PlaceResult, place

OUTPUT_COLUMNS = ("division_code", "confidence", "evidence")

Within = Annotated[str, typer.Option("--within", help="Answer only inside this division (code), e.g. 3301.")]
Names = Annotated[
    bool,
    typer.Option("--names/--no-names", help="Also use learned and registry names from the database, if it has any."),
]


def database_lexicon() -> Lexicon | None:
    """The database's lexicon, or None when there is no migrated database to read (national data only)."""
    from cityloop.areas.placement.learning import lexicon_for
    from cityloop.kit.db import session_scope

    try:
        with session_scope() as session:
            lexicon = lexicon_for(session)
    except SQLAlchemyError:
        return None
    return lexicon if len(lexicon) else None


def output_row(row: dict[str, str], result: PlaceResult) -> dict[str, str]:
    """The input row plus the three placement columns (evidence: the spans, or why it abstained)."""
    out = dict(row)
    out["division_code"] = result.division_code or ""
    out["confidence"] = f"{result.confidence:.3f}"
    out["evidence"] = "|".join(result.evidence) if result.division_code else f"abstain: {result.reason or ''}"
    return out


def _rows(reader: csv.DictReader[str], column: str, within: str, lexicon: Lexicon | None) -> Iterator[dict[str, str]]:
    """Input rows with the placement columns added."""
    for row in reader:
        yield output_row(row, place(row.get(column) or "", within=within, lexicon=lexicon))


def locate_csv(source: Path, target: Path, column: str, *, within: str, lexicon: Lexicon | None = None) -> int:
    """Place one text column of a CSV file (utf-8, with or without BOM) into a copy with the placement columns."""
    gazetteer()
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
        count = 0
        for row in _rows(reader, column, within, lexicon):
            writer.writerow(row)
            count += 1
    return count


def locate_command(
    text: Annotated[str, typer.Argument(help="Free text (an appeal's title and content).")],
    within: Within = "",
    names: Names = True,
) -> None:
    """Print where one text is placed (division, confidence, evidence) as JSON."""
    result = place(text, within=within, lexicon=database_lexicon() if names else None)
    typer.echo(json.dumps(result.to_dict(), ensure_ascii=False, indent=2))


def locate_file_command(
    source: Annotated[Path, typer.Argument(exists=True, dir_okay=False, help="Input CSV (utf-8 or utf-8-sig).")],
    column: Annotated[str, typer.Option("--column", help="Column holding the text to place.")],
    out: Annotated[Path, typer.Option("--out", help="Output CSV: input columns + placement columns.")],
    within: Within = "",
    names: Names = True,
) -> None:
    """Place a CSV column of free text on divisions; division_code stays empty where the evidence does not suffice."""
    lexicon = database_lexicon() if names else None
    count = locate_csv(source, out, column, within=within, lexicon=lexicon)
    used = f"{len(lexicon)} local names" if lexicon else "national division names only"
    typer.echo(f"{count} texts → {out} ({used})")


def learn_names_command(
    min_cases: Annotated[
        int | None, typer.Option("--min-cases", min=1, help="Override CITYLOOP_PLACEMENT_MIN_CASES.")
    ] = None,
) -> None:
    """Recount local names over closed, verified cases and store those seen often enough."""
    from cityloop.areas.placement.learning import learn
    from cityloop.kit.db import session_scope

    with session_scope() as session:
        cases, names = learn(session, min_cases)
    typer.echo(f"{cases} confirmed cases read, {names} name sightings kept")


def add_commands(app: typer.Typer) -> None:
    """Attach the placement commands to the `cityloop address` group."""
    app.command("locate")(locate_command)
    app.command("locate-file")(locate_file_command)
    app.command("learn-names")(learn_names_command)
