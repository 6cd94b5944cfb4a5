"""`cityloop report`: write an area's daily, weekly or monthly report as HTML or Markdown."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Annotated

import typer

from cityloop.intel.reports.service import Period

report_app = typer.Typer(help="Area reports (日报/周报/月报) as HTML or Markdown", invoke_without_command=True)


@report_app.callback()
def report(
    period: Annotated[str, typer.Option(help="day, week or month")] = "week",
    division: Annotated[str, typer.Option(help="Division code of the area (empty = everything)")] = "",
    end: Annotated[str | None, typer.Option(help="Last day of the period, YYYY-MM-DD (default yesterday)")] = None,
    out: Annotated[Path | None, typer.Option(help="FILE.html or FILE.md (default: Markdown on stdout)")] = None,
    lang: Annotated[str, typer.Option(help="zh or en")] = "zh",
) -> None:
    """Build the report of one area from live cases, KPIs, hot issues and alerts."""
    from cityloop.intel.reports import render as report_render
    from cityloop.intel.reports import service as reports
    from cityloop.kit.auth import SYSTEM
    from cityloop.kit.db import session_scope
    from cityloop.kit.errors import ValidationFailed

    if period not in ("day", "week", "month"):
        raise typer.BadParameter("period must be day, week or month", param_hint="--period")
    try:
        last = date.fromisoformat(end) if end else None
    except ValueError as exc:
        raise typer.BadParameter("use YYYY-MM-DD", param_hint="--end") from exc
    chosen: Period = period  # type: ignore[assignment]  # checked just above
    try:
        with session_scope() as session:
            data = reports.build(session, SYSTEM, chosen, division or None, last, lang)
    except ValidationFailed as exc:
        for field, (zh, _en) in exc.fields.items():
            typer.echo(f"{field}: {zh}", err=True)
        raise typer.Exit(1) from exc
    is_html = out is not None and out.suffix.lower() in (".html", ".htm")
    text = report_render.html(data) if is_html else report_render.markdown(data)
    if out is None:
        typer.echo(text)
        return
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(text, encoding="utf-8")
    typer.echo(f"{data.area} {data.title} {data.bounds.start}–{data.bounds.end} → {out}")
