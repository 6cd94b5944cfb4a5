"""CLI of the cases module: `cityloop cases import/export`."""

from __future__ import annotations

import csv
import json
from datetime import datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from cityloop.cases.states import State

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from cityloop.cases.importer import ImportOptions, ImportReport, RowProblem
    from cityloop.kit.auth import Subject

cases_app = typer.Typer(help="Import and export cases", no_args_is_help=True)

EXIT_REJECTED = 1  # rows were rejected (and, without --keep-good, nothing was written)
EXIT_BAD_INPUT = 2  # the file or the options are unusable; nothing was written


@cases_app.command("import")
def import_cmd(
    file: Annotated[Path, typer.Argument(help="CSV (UTF-8) or XLSX (first sheet); line 1 is the header")],
    map_: Annotated[list[str] | None, typer.Option(
        "--map", help="FIELD=HEADER: read FIELD from column HEADER (repeatable; beats --mapping).")] = None,
    mapping: Annotated[Path | None, typer.Option(help="JSON {field: header}: the column mapping")] = None,
    keep_good: Annotated[bool, typer.Option(
        "--keep-good", help="Import the valid rows even when some are rejected (default: none)")] = False,
    rejects: Annotated[Path | None, typer.Option(
        help="Write rejected rows to this CSV, with their line number and errors.")] = None,
    check: Annotated[bool, typer.Option("--check", help="Only validate and report; write nothing.")] = False,
    channel: Annotated[str | None, typer.Option(help="Channel for rows whose channel cell is empty.")] = None,
    appeal_type: Annotated[str | None, typer.Option(help="Appeal type for rows whose cell is empty.")] = None,
    encoding: Annotated[str, typer.Option(help="Text encoding of a CSV file, e.g. gb18030.")] = "utf-8-sig",
) -> None:
    """Import cases from CSV/XLSX; re-running a file (even after a crash) files each row exactly once."""
    from cityloop.cases.importer import ImportOptions

    options = ImportOptions(mapping=_mapping(map_ or [], mapping), channel=channel, appeal_type=appeal_type,
                            encoding=encoding, keep_good=keep_good)
    report = _run_import(file, options, check)
    _report_rejects(report, options, rejects)
    typer.echo(json.dumps(report.summary(), ensure_ascii=False))
    if report.rejected and not (keep_good and report.written):
        raise typer.Exit(EXIT_REJECTED)


def _mapping(pairs: list[str], mapping_file: Path | None) -> dict[str, str]:
    mapping: dict[str, str] = {}
    if mapping_file is not None:
        try:
            loaded = json.loads(mapping_file.read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise typer.BadParameter(f"cannot read {mapping_file}: {exc}", param_hint="--mapping") from exc
        if not isinstance(loaded, dict) or not all(isinstance(v, str) for v in loaded.values()):
            raise typer.BadParameter('expected a JSON object like {"title": "标题"}', param_hint="--mapping")
        mapping.update(loaded)
    for pair in pairs:
        field, sep, header = pair.partition("=")
        if not sep or not field.strip() or not header.strip():
            raise typer.BadParameter(f"expected FIELD=HEADER, got {pair!r}", param_hint="--map")
        mapping[field.strip()] = header.strip()
    return mapping


def _run_import(file: Path, options: ImportOptions, check: bool) -> ImportReport:
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

    from cityloop.cases.importer import check_file, import_file
    from cityloop.kit.db import session_scope
    from cityloop.kit.errors import ValidationFailed

    columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn())
    try:
        with session_scope() as session, Progress(*columns, console=Console(stderr=True)) as bar:
            tasks: dict[str, Any] = {}

            def progress(phase: str, done: int, total: int | None) -> None:
                if phase not in tasks:
                    label = "检查 check" if phase == "check" else "导入 import"
                    tasks[phase] = bar.add_task(label, total=total)
                bar.update(tasks[phase], completed=done, total=total)

            if check:
                return check_file(session, file, options, progress)
            return import_file(session, file, options, progress)
    except ValidationFailed as exc:
        for field, (zh, en) in exc.fields.items():
            typer.echo(f"{field}: {zh} / {en}", err=True)
        raise typer.Exit(EXIT_BAD_INPUT) from exc
    except KeyboardInterrupt:
        typer.echo("interrupted; run the same command again to resume (imported rows are skipped)", err=True)
        raise typer.Exit(130) from None


def _report_rejects(report: ImportReport, options: ImportOptions, rejects: Path | None) -> None:
    from cityloop.cases.importer import resolve_columns

    if not report.rejected:
        return
    columns = resolve_columns(report.header, options.mapping) if report.header else {}
    headers = {field: report.header[i] for field, i in columns.items()}
    for problem in report.rejected:
        typer.echo(f"line {problem.line}: {_describe(problem, headers)}", err=True)
    if rejects is not None:
        _write_rejects(rejects, report)
        typer.echo(f"rejected rows → {rejects}", err=True)
    if not report.written:
        typer.echo("nothing imported: fix these rows, or pass --keep-good to import the valid ones", err=True)


def _describe(problem: RowProblem, headers: dict[str, str]) -> str:
    parts = []
    for field, (zh, en) in problem.errors.items():
        name = f"{field} ({headers[field]})" if field in headers and headers[field] != field else field
        parts.append(f"{name}: {zh} / {en}")
    return "; ".join(parts)


def _write_rejects(path: Path, report: ImportReport) -> None:
    # The original cells come first, so the file can be fixed and imported again as it is.
    with path.open("w", newline="", encoding="utf-8-sig") as fh:
        writer = csv.writer(fh)
        writer.writerow([*report.header, "_line", "_errors"])
        width = len(report.header)
        for problem in report.rejected:
            cells = (problem.cells + [""] * width)[:width]
            errors = "; ".join(f"{f}: {zh} / {en}" for f, (zh, en) in problem.errors.items())
            writer.writerow([*cells, problem.line, errors])


@cases_app.command("export")
def export_cmd(
    out: Annotated[Path, typer.Argument(help="Output file; .csv or .xlsx decides the format.")],
    state: Annotated[list[State] | None, typer.Option(help="Only cases in this state (repeatable).")] = None,
    division: Annotated[str | None, typer.Option(help="Only cases in this division code and below.")] = None,
    from_: Annotated[datetime | None, typer.Option(
        "--from", formats=["%Y-%m-%d"], help="Received on or after this local date.")] = None,
    to: Annotated[datetime | None, typer.Option(
        formats=["%Y-%m-%d"], help="Received on or before this local date.")] = None,
    user: Annotated[str | None, typer.Option(
        help="Export what this user may see (area and masking); default: every case.")] = None,
    unmasked: Annotated[bool, typer.Option(
        "--unmasked", help="Personal data in clear: needs --user and that user's approved case-file export request "
        "(/sharing/exports).")] = False,
    lang: Annotated[str, typer.Option(help="zh: Chinese headers and labels; en: field names.")] = "zh",
) -> None:
    """Export cases to CSV/XLSX; names, phones and ID numbers are masked unless --unmasked."""
    from rich.console import Console
    from rich.progress import Progress

    from cityloop.cases.exporter import export_cases
    from cityloop.kit.db import session_scope
    from cityloop.kit.errors import DomainError

    filters = _export_filters(state, division, from_, to)
    try:
        with session_scope() as session, Progress(console=Console(stderr=True)) as bar:
            task = bar.add_task("导出 export", total=None)
            def on_page(done: int, total: int) -> None:
                bar.update(task, completed=done, total=total)

            count = export_cases(session, _export_subject(session, user), filters, out, unmasked=unmasked,
                                 lang=lang, on_page=on_page)
    except DomainError as exc:
        typer.echo(f"{exc.zh} / {exc.en}", err=True)
        for field, (zh, en) in getattr(exc, "fields", {}).items():
            typer.echo(f"{field}: {zh} / {en}", err=True)
        raise typer.Exit(EXIT_BAD_INPUT) from exc
    typer.echo(json.dumps({"exported": count, "file": str(out), "masked": not unmasked}, ensure_ascii=False))


def _export_filters(state: list[State] | None, division: str | None, from_: datetime | None,
                    to: datetime | None) -> dict[str, Any]:
    from cityloop.kit.clock import LOCAL_TZ

    filters: dict[str, Any] = {"state": [s.value for s in state or []], "division_code": division}
    if from_ is not None:
        filters["received_from"] = from_.replace(tzinfo=LOCAL_TZ)
    if to is not None:
        # --to is inclusive: everything before the next local midnight.
        filters["received_to"] = to.replace(tzinfo=LOCAL_TZ) + timedelta(days=1)
    return filters


def _export_subject(session: Session, username: str | None) -> Subject:
    from cityloop.accounts import repository, service
    from cityloop.kit.auth import SYSTEM
    from cityloop.kit.errors import NotFound

    if username is None:
        # Whoever runs the CLI already holds the database credentials: an administrator-level run.
        return SYSTEM
    user = repository.user_by_name(session, username)
    if user is None:
        raise NotFound(f"没有用户 {username}", f"No user {username}")
    return service.subject_for_user(session, user)
