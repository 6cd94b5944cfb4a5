"""`cityloop kpi rollup` (catch up or rebuild the rollups) and `cityloop kpi check` (prove them equal)."""

from __future__ import annotations

import json
from dataclasses import asdict
from typing import Annotated

import typer

kpi_app = typer.Typer(help="KPI rollups: catch up, rebuild, check against the cases", no_args_is_help=True)


@kpi_app.command("rollup")
def rollup_command(full: Annotated[bool, typer.Option(help="Recount everything, not only changes")] = False) -> None:
    """Bring the rollups up to date (the job inside `cityloop serve` does this every CITYLOOP_ROLLUP_SECONDS)."""
    from cityloop.cases.rollups.service import rebuild, refresh
    from cityloop.kit.db import session_scope

    with session_scope() as session:
        report = rebuild(session) if full else refresh(session)
        session.commit()
    typer.echo(json.dumps(asdict(report)))


@kpi_app.command("check")
def check_command(months: Annotated[int, typer.Option(help="Local months to compare one by one")] = 3,
                  catch_up: Annotated[bool, typer.Option(help="Catch the rollups up first")] = True) -> None:
    """Compare KPIs from rollups with the brute-force SQL (city, districts, units, channels, months); exit 1 on a
    difference."""
    from cityloop.cases.rollups.check import check
    from cityloop.cases.rollups.service import refresh
    from cityloop.kit.db import session_scope

    with session_scope() as session:
        if catch_up:
            refresh(session)
            session.commit()
        report = check(session, months)
        session.rollback()
    typer.echo(json.dumps({"ok": report.ok, "checked": report.checked, "mismatches": report.mismatches},
                          ensure_ascii=False, default=str))
    if not report.ok:
        raise typer.Exit(1)
