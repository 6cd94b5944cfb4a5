"""Model registry and correction API: list/activate/retrain models, re-categorise a case."""

from __future__ import annotations

from fastapi import APIRouter, Response

from cityloop.accounts.deps import CurrentSubject
from cityloop.cases import service as cases_service
from cityloop.cases.schemas import CaseOut
from cityloop.intel.registry import corrections, jobs
from cityloop.intel.registry import service as registry
from cityloop.intel.registry.models import ModelKind
from cityloop.intel.registry.schemas import ModelVersionOut, RecategorizeIn, RetrainIn, TrainingJobOut
from cityloop.kit.db import MAX_ID
from cityloop.kit.deps import DbSession, Lang
from cityloop.kit.errors import Conflict, Forbidden, NotFound, error_responses

router = APIRouter(tags=["intel"])


def _bounded(ident: int) -> int:
    # Ids beyond the INTEGER key range can never exist; treat them as missing rather than overflowing the driver.
    return ident if 0 < ident <= MAX_ID else -1


@router.post("/api/v1/cases/{case_id}/recategorize", response_model=CaseOut,
             responses=error_responses(Forbidden, NotFound, Conflict))
def recategorize(case_id: int, body: RecategorizeIn, session: DbSession, subject: CurrentSubject,
                 lang: Lang) -> CaseOut:
    """Re-categorise a case (dispatcher); the correction is stored as a training label."""
    corrections.recategorize(session, subject, _bounded(case_id), body.category_code, body.note)
    return cases_service.case_detail(session, subject, case_id, lang)


@router.get("/api/v1/intel/models", response_model=list[ModelVersionOut], responses=error_responses(Forbidden))
def list_models(session: DbSession, subject: CurrentSubject, kind: ModelKind | None = None) -> list[ModelVersionOut]:
    """Registered classifier versions, newest first."""
    return [ModelVersionOut.model_validate(v) for v in registry.list_versions(session, subject, kind)]


@router.post("/api/v1/intel/models/{version_id}/activate", response_model=ModelVersionOut,
             responses=error_responses(Forbidden, NotFound, Conflict))
def activate_model(version_id: int, session: DbSession, subject: CurrentSubject) -> ModelVersionOut:
    """Serve this version for its kind from now on (admin)."""
    return ModelVersionOut.model_validate(registry.activate(session, subject, _bounded(version_id)))


@router.post("/api/v1/intel/retrain", response_model=TrainingJobOut, status_code=202,
             responses=error_responses(Forbidden, Conflict))
def retrain(body: RetrainIn, session: DbSession, subject: CurrentSubject, response: Response) -> TrainingJobOut:
    """Queue training of a new version on finished cases and all stored corrections (admin); poll the Location.

    One job per kind at a time: while one is queued or running, this answers 409 with its `job_id`.
    """
    job = jobs.submit(session, subject, body.kind, activate_new=body.activate)
    response.headers["Location"] = f"/api/v1/intel/jobs/{job.id}"
    return _job_out(jobs.view(session, subject, job.id))


@router.get("/api/v1/intel/jobs/{job_id}", response_model=TrainingJobOut,
            responses=error_responses(Forbidden, NotFound))
def training_job(job_id: int, session: DbSession, subject: CurrentSubject) -> TrainingJobOut:
    """State of a retraining job: queued, running, done (with the new version) or failed (with the error) (admin)."""
    return _job_out(jobs.view(session, subject, _bounded(job_id)))


def _job_out(found: jobs.JobView) -> TrainingJobOut:
    job = found.job
    result = ModelVersionOut.model_validate(found.version) if found.version is not None else None
    return TrainingJobOut(id=job.id, kind=job.kind, state=job.state, activate=bool(job.params.get("activate")),
                          requested_by=job.requested_by, created_at=job.created_at, started_at=job.started_at,
                          finished_at=job.finished_at, version_id=job.version_id, result=result, error=job.error)
