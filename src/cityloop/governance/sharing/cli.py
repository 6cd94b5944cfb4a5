"""`cityloop governance sharing demo|usage`: the demo catalogue and the usage statistics."""

from __future__ import annotations

import json
from typing import Annotated

import typer

from cityloop.governance.catalogue.cli import governance_app
from cityloop.kit.cli_run import in_session

sharing_app = typer.Typer(help="一网共享: data resources, sharing requests and keys", no_args_is_help=True)
governance_app.add_typer(sharing_app, name="sharing")


@sharing_app.command("demo")
def demo_command(
    if_empty: Annotated[bool, typer.Option("--if-empty", help="Do nothing when resources exist.")] = False,
) -> None:
    """Add the demo city's data resources and the story's users (city_zhujian, city_chengguan_lead)."""
    from cityloop.governance.sharing.demo import seed

    typer.echo(json.dumps(in_session(lambda s: seed(s, if_empty)), ensure_ascii=False))


@sharing_app.command("usage")
def usage_command() -> None:
    """Calls per consumer unit and per resource, as JSON."""
    from cityloop.governance.sharing.keys.usage import usage
    from cityloop.kit.auth import SYSTEM

    typer.echo(in_session(lambda s: usage(s, SYSTEM).model_dump_json(indent=2)))
