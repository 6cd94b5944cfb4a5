"""`cityloop notify …`: drain the outbox once."""

from __future__ import annotations

import json
from dataclasses import asdict

import typer

from cityloop.kit.cli_run import in_session

notify_app = typer.Typer(help="SMS, 站内信 and webhook notices", no_args_is_help=True)


@notify_app.command("send")
def send() -> None:
    """Deliver every due outbox message once (the same sender runs inside `cityloop serve`)."""
    from cityloop.channels.notify.sender import send_due

    total: dict[str, int] = {}
    while True:
        report = in_session(lambda s: send_due(s))
        for key, value in asdict(report).items():
            total[key] = total.get(key, 0) + value
        if sum(asdict(report).values()) == 0:
            break
    typer.echo(json.dumps(total))
