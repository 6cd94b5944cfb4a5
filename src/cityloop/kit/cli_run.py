"""Running a command's work in a session: a domain error becomes its JSON payload on stderr and exit code 1."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import TypeVar

import typer
from sqlalchemy.orm import Session

from cityloop.kit.errors import DomainError

T = TypeVar("T")


def in_session(work: Callable[[Session], T]) -> T:
    """Run `work` in a session; print a refusal (zh/en, rows by line) and exit 1 instead of a traceback."""
    from cityloop.kit.db import session_scope

    try:
        with session_scope() as session:
            return work(session)
    except DomainError as err:
        typer.echo(json.dumps(err.payload(), ensure_ascii=False, indent=2), err=True)
        raise typer.Exit(1) from None
