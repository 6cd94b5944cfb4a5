"""`cityloop audit verify|head`: prove the audit chain intact, print the head to publish."""

from __future__ import annotations

import json
from dataclasses import asdict
from datetime import date
from typing import Annotated

import typer

audit_app = typer.Typer(help="Audit log: verify the hash chain, print its head", no_args_is_help=True)


@audit_app.command("verify")
def verify_command() -> None:
    """Recompute every hash; exit 1 if the chain was altered."""
    from cityloop.audit.service import verify
    from cityloop.kit.auth import SYSTEM
    from cityloop.kit.db import session_scope

    with session_scope() as session:
        report = verify(session, SYSTEM)
    typer.echo(json.dumps(asdict(report)))
    if not report.ok:
        raise typer.Exit(1)


@audit_app.command("head")
def head_command(day: Annotated[str | None, typer.Option(help="The head at the end of this local day "
                                                         "(YYYY-MM-DD); default: now")] = None,
                 days: Annotated[int, typer.Option(help="Print this many days' daily heads instead")] = 0) -> None:
    """Print the chain head (entries, last id, hash) as JSON, to publish outside this system."""
    from cityloop.audit.service import daily_heads, head
    from cityloop.kit.db import session_scope

    with session_scope() as session:
        if days:
            typer.echo(json.dumps([{"day": d.isoformat(), **asdict(h)} for d, h in daily_heads(session, days)]))
            return
        if day:
            try:
                picked = date.fromisoformat(day)
            except ValueError:
                typer.echo("--day: 日期格式应为 YYYY-MM-DD / expected YYYY-MM-DD", err=True)
                raise typer.Exit(2) from None
            heads = daily_heads(session, 1, picked)
            typer.echo(json.dumps({"day": day, **asdict(heads[0][1])}))
            return
        typer.echo(json.dumps(asdict(head(session))))
