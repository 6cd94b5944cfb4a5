"""All SQL of the model registry: model versions, labels and the cases a training set is built from."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import CursorResult, select, update
from sqlalchemy.orm import Session

from cityloop.cases.models import Case
from cityloop.cases.repository import scoped_cases
from cityloop.intel.registry.models import PENDING_STATES, JobState, Label, ModelVersion, TrainingJob
from cityloop.kit.auth import SYSTEM

_CHUNK = 500


def versions(session: Session, kind: str | None = None) -> list[ModelVersion]:
    """Model versions, newest first, optionally of one kind."""
    stmt = select(ModelVersion).order_by(ModelVersion.id.desc())
    if kind:
        stmt = stmt.where(ModelVersion.kind == kind)
    return list(session.scalars(stmt))


def version_by_id(session: Session, version_id: int) -> ModelVersion | None:
    """One model version."""
    return session.get(ModelVersion, version_id)


def active_version(session: Session, kind: str) -> ModelVersion | None:
    """The active model version of a kind."""
    return session.scalar(select(ModelVersion).where(ModelVersion.kind == kind, ModelVersion.is_active.is_(True)))


def active_version_id(session: Session, kind: str) -> int | None:
    """Id of the active model of a kind (the cheap stamp the in-process cache compares against)."""
    stmt = select(ModelVersion.id).where(ModelVersion.kind == kind, ModelVersion.is_active.is_(True))
    return session.scalar(stmt)


def latest_labels(session: Session, kind: str) -> dict[int, Label]:
    """The newest label of each case for a kind (labels are append-only, so later ids supersede)."""
    newest: dict[int, Label] = {}
    stmt = select(Label).where(Label.kind == kind).order_by(Label.id)
    for label in session.scalars(stmt.execution_options(yield_per=_CHUNK)):
        newest[label.case_id] = label
    return newest


def labels_of_case(session: Session, case_id: int) -> list[Label]:
    """Labels of one case, oldest first (callers check visibility of the case first)."""
    return list(session.scalars(select(Label).where(Label.case_id == case_id).order_by(Label.id)))


def done_cases(session: Session, states: Sequence[str], kind_column: str, limit: int) -> Iterator[Case]:
    """The most recent finished cases carrying a category or unit, system-wide (training is not scoped)."""
    column = getattr(Case, kind_column)
    stmt = scoped_cases(SYSTEM).where(Case.state.in_(states), column.is_not(None))
    stmt = stmt.order_by(Case.id.desc()).limit(limit)
    yield from session.scalars(stmt.execution_options(yield_per=_CHUNK))


def cases_by_ids(session: Session, ids: Sequence[int]) -> Iterator[Case]:
    """Cases by id, system-wide, fetched in chunks."""
    ordered = sorted(ids)
    for start in range(0, len(ordered), _CHUNK):
        chunk = ordered[start : start + _CHUNK]
        yield from session.scalars(scoped_cases(SYSTEM).where(Case.id.in_(chunk)))


# ---- Training jobs -------------------------------------------------------------------------------------------------


def job_by_id(session: Session, job_id: int) -> TrainingJob | None:
    """One training job."""
    return session.get(TrainingJob, job_id)


def pending_job(session: Session, kind: str) -> TrainingJob | None:
    """The queued or running job of a kind, if any (the partial unique index allows one)."""
    stmt = select(TrainingJob).where(TrainingJob.kind == kind, TrainingJob.state.in_(PENDING_STATES))
    return session.scalar(stmt)


def next_queued_id(session: Session) -> int | None:
    """The oldest queued job."""
    stmt = select(TrainingJob.id).where(TrainingJob.state == JobState.QUEUED).order_by(TrainingJob.id).limit(1)
    return session.scalar(stmt)


def claim(session: Session, job_id: int, worker: str, now: datetime) -> bool:
    """Mark a queued job running for `worker`; False when another worker claimed it first."""
    stmt = (update(TrainingJob).where(TrainingJob.id == job_id, TrainingJob.state == JobState.QUEUED)
            .values(state=JobState.RUNNING, started_at=now, worker=worker))
    result: CursorResult[Any] = session.execute(stmt)  # type: ignore[assignment]
    return result.rowcount == 1


def finish(session: Session, job_id: int, state: JobState, now: datetime, version_id: int | None = None,
           error: dict[str, Any] | None = None) -> None:
    """Record the outcome of a running job."""
    stmt = (update(TrainingJob).where(TrainingJob.id == job_id, TrainingJob.state == JobState.RUNNING)
            .values(state=state, finished_at=now, version_id=version_id, error=error))
    session.execute(stmt)


def fail_stale(session: Session, started_before: datetime, error: dict[str, Any], now: datetime) -> int:
    """Mark jobs running since before `started_before` failed (their worker died); return how many."""
    stmt = (update(TrainingJob)
            .where(TrainingJob.state == JobState.RUNNING, TrainingJob.started_at < started_before)
            .values(state=JobState.FAILED, finished_at=now, error=error))
    result: CursorResult[Any] = session.execute(stmt)  # type: ignore[assignment]
    return int(result.rowcount)


def delete_versions(session: Session, versions: Sequence[ModelVersion]) -> None:
    """Delete model version rows (retention)."""
    for version in versions:
        session.delete(version)
