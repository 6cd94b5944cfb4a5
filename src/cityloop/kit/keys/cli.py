"""`cityloop keys`: check the secret key against the database, rotate it."""

from __future__ import annotations

import json
from typing import Annotated, NoReturn

import typer

from cityloop.config import get_settings
from cityloop.kit.db import session_scope
from cityloop.kit.keys.check import KeyRefused, startup_check
from cityloop.kit.keys.rotate import rotate

keys_app = typer.Typer(help="Secret key: check against the database, rotate", no_args_is_help=True)


def refuse(exc: KeyRefused) -> NoReturn:
    """Print the reason in both languages and stop with status 1."""
    typer.echo(f"{exc.zh}\n{exc.en}", err=True)
    raise typer.Exit(1)


@keys_app.command("check")
def keys_check() -> None:
    """Fail unless the configured key may serve this database (records it in a database that has none)."""
    try:
        startup_check()
    except KeyRefused as exc:
        refuse(exc)
    typer.echo("secret key ok")


@keys_app.command("rotate")
def keys_rotate(
    new: Annotated[str, typer.Option(envvar="CITYLOOP_NEW_SECRET_KEY", help="The new key")],
    old: Annotated[str | None, typer.Option(envvar="CITYLOOP_OLD_SECRET_KEY",
                                            help="The current key (default: the configured one)")] = None,
    batch: Annotated[int, typer.Option(min=1, help="Rows per transaction")] = 500,
) -> None:
    """Re-encrypt personal data under a new key; stop the server first; re-run after a crash to resume."""
    def progress(table: str, rows: int) -> None:
        typer.echo(f"{table}: +{rows}", err=True)

    try:
        with session_scope() as session:
            report = rotate(session, old if old is not None else get_settings().secret_key, new, batch, progress)
    except KeyRefused as exc:
        refuse(exc)
    typer.echo(json.dumps({"rows": report.rows, "unreadable": report.unreadable}))
    typer.echo("完成：请把 CITYLOOP_SECRET_KEY（或 var/secret.key）改为新密钥后再启动。\n"
               "Done: set CITYLOOP_SECRET_KEY (or var/secret.key) to the new key before starting.", err=True)
