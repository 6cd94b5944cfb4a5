"""Request and response bodies of the model registry and correction API."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from cityloop.intel.registry.models import ModelKind


class ModelVersionOut(BaseModel):
    """A registered model version."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    kind: str
    path: str
    labels: list[Any]
    training_sha256: str
    metrics: dict[str, Any]
    training: dict[str, Any]
    n_train: int
    created_at: datetime
    created_by: str
    is_active: bool


class RecategorizeIn(BaseModel):
    """A dispatcher's new category for a case."""

    model_config = ConfigDict(extra="forbid")

    category_code: str = Field(min_length=1, max_length=40)
    note: str = Field(default="", max_length=2000)


class RetrainIn(BaseModel):
    """Which model to retrain from the database, and whether to serve it at once."""

    model_config = ConfigDict(extra="forbid")

    kind: ModelKind = ModelKind.CATEGORY
    activate: bool = True


class TrainingJobOut(BaseModel):
    """A retraining job: poll it until `state` is done (then `result` is the new version) or failed (`error`)."""

    id: int
    kind: str
    state: str = Field(description="queued, running, done or failed")
    activate: bool
    requested_by: str
    created_at: datetime
    started_at: datetime | None
    finished_at: datetime | None
    version_id: int | None
    result: ModelVersionOut | None = Field(description="The version trained (null until done or once pruned)")
    error: dict[str, Any] | None
