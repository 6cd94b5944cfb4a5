"""Model registry and correction API: list/activate/retrain models, re-categorise a case."""

from __future__ import annotations

from fastapi import APIRouter

from cityloop.accounts.deps import CurrentSubject
from cityloop.cases import service as cases_service
from cityloop.cases.schemas import CaseOut
from cityloop.intel.registry import corrections
from cityloop.intel.registry import service as registry
from cityloop.intel.registry.models import ModelKind
from cityloop.intel.registry.schemas import ModelVersionOut, RecategorizeIn, RetrainIn
from cityloop.kit.db import MAX_ID
from cityloop.kit.deps import DbSession, Lang

router = APIRouter(tags=["intel"])


def _bounded(ident: int) -> int:
    # Ids beyond the INTEGER key range can never exist; treat them as missing rather than overflowing the driver.
    return ident if 0 < ident <= MAX_ID else -1


@router.post("/api/v1/cases/{case_id}/recategorize", response_model=CaseOut)
def recategorize(case_id: int, body: RecategorizeIn, session: DbSession, subject: CurrentSubject,
                 lang: Lang) -> CaseOut:
    """Re-categorise a case (dispatcher); the correction is stored as a training label."""
    corrections.recategorize(session, subject, _bounded(case_id), body.category_code, body.note)
    return cases_service.case_detail(session, subject, case_id, lang)


@router.get("/api/v1/intel/models", response_model=list[ModelVersionOut])
def list_models(session: DbSession, subject: CurrentSubject, kind: ModelKind | None = None) -> list[ModelVersionOut]:
    """Registered classifier versions, newest first."""
    return [ModelVersionOut.model_validate(v) for v in registry.list_versions(session, subject, kind)]


@router.post("/api/v1/intel/models/{version_id}/activate", response_model=ModelVersionOut)
def activate_model(version_id: int, session: DbSession, subject: CurrentSubject) -> ModelVersionOut:
    """Serve this version for its kind from now on (admin)."""
    return ModelVersionOut.model_validate(registry.activate(session, subject, _bounded(version_id)))


@router.post("/api/v1/intel/retrain", response_model=ModelVersionOut, status_code=201)
def retrain(body: RetrainIn, session: DbSession, subject: CurrentSubject) -> ModelVersionOut:
    """Train a new version on finished cases and all stored corrections (admin; runs synchronously)."""
    version = registry.retrain(session, subject, body.kind, activate_new=body.activate)
    return ModelVersionOut.model_validate(version)
