"""`cityloop jobs …`: the periodic jobs, their last runs across nodes, and a run by hand."""

from __future__ import annotations

import json
from typing import Annotated

import typer

from cityloop.kit.schedule import service

jobs_app = typer.Typer(help="Periodic jobs (SLA sweep, rollups, retention …): status and runs", no_args_is_help=True)


@jobs_app.command("status")
def status() -> None:
    """Each periodic job with its period and last run (on which node, when, any error) as JSON lines."""
    for row in service.status():
        typer.echo(json.dumps({"job": row.job, "period_s": row.period_s, "runs": row.runs, "last_node": row.last_node,
                               "last_started_at": row.last_started_at.isoformat() if row.last_started_at else None,
                               "last_finished_at": row.last_finished_at.isoformat() if row.last_finished_at else None,
                               "last_error": row.last_error}, ensure_ascii=False))


@jobs_app.command("run")
def run(name: Annotated[str, typer.Argument(help="Job name, as `cityloop jobs status` lists it")]) -> None:
    """Run one job now on this machine (recorded like a scheduled run; the scheduled slots are not touched)."""
    job = service.JOBS.get(name)
    if job is None:
        typer.echo(f"未知任务 / unknown job: {name}; known: {', '.join(sorted(service.JOBS))}", err=True)
        raise typer.Exit(2)
    error = service.run_by_hand(job)
    if error:
        typer.echo(error, err=True)
        raise typer.Exit(1)
    typer.echo(json.dumps({"job": name, "ok": True}))
