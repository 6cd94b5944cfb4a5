"""`cityloop intel retrain | models | activate | register | run-jobs`: the model registry from the command line."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, Any

import typer
from sqlalchemy.orm import Session

from cityloop.intel.registry import jobs
from cityloop.intel.registry import service as registry
from cityloop.intel.registry.models import ModelKind, ModelVersion
from cityloop.kit.auth import SYSTEM
from cityloop.kit.db import session_scope
from cityloop.kit.errors import DomainError

DEFAULT_LIMIT = registry.DEFAULT_TRAINING_LIMIT
KindOpt = Annotated[ModelKind, typer.Option("--kind", help="category or unit.")]


def _summary(v: ModelVersion) -> dict[str, Any]:
    return {"id": v.id, "kind": v.kind, "active": v.is_active, "path": v.path, "n_train": v.n_train,
            "labels": len(v.labels), "macro_f1": v.metrics.get("macro_f1"), "training": v.training,
            "created_at": v.created_at.isoformat(timespec="seconds"), "created_by": v.created_by}


def _echo(obj: Any) -> None:
    typer.echo(json.dumps(obj, ensure_ascii=False))


@contextmanager
def _session() -> Iterator[Session]:
    # Domain errors (not enough data, unknown version) are the user's to fix: JSON on stderr, exit 1, no trace.
    try:
        with session_scope() as session:
            yield session
    except DomainError as err:
        typer.echo(json.dumps(err.payload(), ensure_ascii=False), err=True)
        raise typer.Exit(1) from None


def retrain(
    kind: KindOpt = ModelKind.CATEGORY,
    activate: Annotated[bool, typer.Option("--activate/--no-activate", help="Serve the new model at once.")] = True,
    holdout: Annotated[float, typer.Option(min=0.0, max=0.5, help="Share held out to measure metrics.")] = 0.2,
    limit: Annotated[int, typer.Option(min=10, help="Most recent finished cases used.")] = DEFAULT_LIMIT,
    files: Annotated[
        bool, typer.Option("--files/--no-files", help="Also use the labelled files the active model learnt from.")
    ] = True,
) -> None:
    """Train a model on finished cases plus every stored correction, register it and (by default) activate it."""
    with _session() as session:
        version = registry.retrain(session, SYSTEM, kind, activate_new=activate, holdout=holdout, limit=limit,
                                   include_files=files)
        _echo(_summary(version))


def models(kind: Annotated[ModelKind | None, typer.Option("--kind", help="Only this kind.")] = None) -> None:
    """List registered model versions, newest first, one JSON object per line."""
    with _session() as session:
        for version in registry.list_versions(session, SYSTEM, kind):
            _echo(_summary(version))


def activate(version_id: Annotated[int, typer.Argument(help="Model version id (see `models`).")]) -> None:
    """Serve a registered model version for its kind (running servers pick it up within 30 s)."""
    with _session() as session:
        _echo(_summary(registry.activate(session, SYSTEM, version_id)))


def register(
    model: Annotated[Path, typer.Option("--model", exists=True, file_okay=False, help="Model directory.")],
    kind: KindOpt = ModelKind.CATEGORY,
    activate_it: Annotated[bool, typer.Option("--activate", help="Also activate it.")] = False,
) -> None:
    """Register a model directory written by `cityloop intel train`."""
    with _session() as session:
        version = registry.register(session, SYSTEM, model, kind)
        if activate_it:
            version = registry.activate(session, SYSTEM, version.id)
        _echo(_summary(version))


def run_jobs() -> None:
    """Run the queued retraining jobs (those of `POST /api/v1/intel/retrain`) now, then exit."""
    _echo({"ran": jobs.run_pending()})


def attach(app: typer.Typer) -> None:
    """Add the registry commands to the `cityloop intel` Typer app."""
    app.command()(retrain)
    app.command()(models)
    app.command()(activate)
    app.command(name="register")(register)
    app.command(name="run-jobs")(run_jobs)
