"""Tables of the model registry: trained model versions and the labels learnt from dispatchers and closed cases."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import ForeignKey, Index, String, text
from sqlalchemy.orm import Mapped, mapped_column

from cityloop.kit.clock import utcnow
from cityloop.kit.db import Base, append_only


class ModelKind(StrEnum):
    """What a model predicts: a leaf category code or a handling unit id."""

    CATEGORY = "category"
    UNIT = "unit"


class LabelSource(StrEnum):
    """Where a label came from."""

    DISPATCHER_CORRECTION = "dispatcher_correction"
    CLOSED_CASE = "closed_case"


class ModelVersion(Base):
    """One trained model directory known to the platform; at most one is active per kind."""

    __tablename__ = "intel_model_versions"
    __table_args__ = (
        # The database itself refuses a second active model of a kind (partial unique index on both backends).
        Index("uq_intel_model_versions_active_kind", "kind", unique=True,
              sqlite_where=text("is_active"), postgresql_where=text("is_active")),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(16))
    path: Mapped[str] = mapped_column(String(500))  # relative to Settings.model_dir when inside it
    labels: Mapped[list[Any]] = mapped_column(default=list)
    training_sha256: Mapped[str] = mapped_column(String(64), default="")
    metrics: Mapped[dict[str, Any]] = mapped_column(default=dict)
    training: Mapped[dict[str, Any]] = mapped_column(default=dict)  # provenance: source, case/label counts
    n_train: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    created_by: Mapped[str] = mapped_column(String(80), default="")
    is_active: Mapped[bool] = mapped_column(default=False)
    # When it last became active: the inactive version activated most recently is "the previous one" (rollback).
    activated_at: Mapped[datetime | None] = mapped_column(default=None)


class JobState(StrEnum):
    """Life of a background training job: queued → running → done | failed."""

    QUEUED = "queued"
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"

    @property
    def label(self) -> tuple[str, str]:
        """Chinese and English label."""
        return _JOB_LABELS[self]


_JOB_LABELS = {JobState.QUEUED: ("排队中", "Queued"), JobState.RUNNING: ("训练中", "Running"),
               JobState.DONE: ("已完成", "Done"), JobState.FAILED: ("失败", "Failed")}
PENDING_STATES = (JobState.QUEUED, JobState.RUNNING)


class TrainingJob(Base):
    """One requested retraining; at most one queued or running job per kind (partial unique index)."""

    __tablename__ = "intel_training_jobs"
    __table_args__ = (
        Index("uq_intel_training_jobs_pending_kind", "kind", unique=True,
              sqlite_where=text("state IN ('queued', 'running')"),
              postgresql_where=text("state IN ('queued', 'running')")),
        Index("ix_intel_training_jobs_state", "state", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(16))
    state: Mapped[str] = mapped_column(String(16), default=JobState.QUEUED)
    params: Mapped[dict[str, Any]] = mapped_column(default=dict)
    requested_by: Mapped[str] = mapped_column(String(80))
    requested_by_id: Mapped[int | None] = mapped_column()
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    started_at: Mapped[datetime | None] = mapped_column()
    finished_at: Mapped[datetime | None] = mapped_column()
    worker: Mapped[str] = mapped_column(String(120), default="")
    # The version it registered; a plain id, since retention may later delete that version.
    version_id: Mapped[int | None] = mapped_column()
    error: Mapped[dict[str, Any] | None] = mapped_column(default=None)


class Label(Base):
    """One learnt (case text → category or unit) label; append-only, the newest per case and kind wins."""

    __tablename__ = "intel_labels"
    __table_args__ = (Index("ix_intel_labels_kind_case", "kind", "case_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"))
    kind: Mapped[str] = mapped_column(String(16))
    text_sha256: Mapped[str] = mapped_column(String(64))
    value: Mapped[str] = mapped_column(String(40))
    source: Mapped[str] = mapped_column(String(24))
    actor_id: Mapped[int | None] = mapped_column()
    actor_name: Mapped[str] = mapped_column(String(80))
    at: Mapped[datetime] = mapped_column(default=utcnow)


append_only(Label)
