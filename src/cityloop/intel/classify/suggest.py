"""Intake suggester: the category model applies a confident leaf; the unit model proposes units to dispatchers."""

from __future__ import annotations

import logging
from typing import Any

from sqlalchemy.orm import Session

from cityloop.cases import intake, routing
from cityloop.cases.schemas import CaseIn
from cityloop.cases.taxonomy import active_version_id, category_exists
from cityloop.config import get_settings
from cityloop.intel.registry import service as registry
from cityloop.intel.registry import training
from cityloop.intel.registry.models import ModelKind

log = logging.getLogger(__name__)
TOP_K = 3


def register() -> None:
    """Add the model suggester to intake (idempotent, so app factories may call it repeatedly)."""
    if suggest_case not in intake.suggesters:
        intake.suggesters.append(suggest_case)


def unregister() -> None:
    """Remove the model suggester from intake."""
    while suggest_case in intake.suggesters:
        intake.suggesters.remove(suggest_case)


def suggest_case(session: Session, data: CaseIn) -> tuple[str | None, dict[str, object]]:
    """(category to apply or None, evidence for the dispatcher); never raises, so intake never breaks."""
    try:
        return _suggest(session, data)
    except Exception:  # a model problem must cost a suggestion, never a case
        log.exception("intake suggestion failed; the case goes to the dispatcher queue")
        return None, {}


def _suggest(session: Session, data: CaseIn) -> tuple[str | None, dict[str, object]]:
    if data.category_code:
        return None, {}
    evidence: dict[str, Any] = {}
    version_id = active_version_id(session)
    code = _category(session, data, version_id, evidence)
    if _needs_unit(session, data, version_id, code):
        _units(session, data, evidence)
    return code, evidence


def _category(session: Session, data: CaseIn, version_id: int | None, evidence: dict[str, Any]) -> str | None:
    active = registry.active_model(session, ModelKind.CATEGORY)
    if active is None:
        return None
    text = training.model_text(ModelKind.CATEGORY, data.title, data.content, data.location.division_code)
    ranked = active.classifier.suggest(text, TOP_K)
    if not ranked:
        return None
    best = ranked[0]
    # Only a leaf of the taxonomy in force can be routed; a model trained on other labels only advises.
    confident = best.probability >= get_settings().classify_threshold
    applicable = version_id is not None and category_exists(session, version_id, best.label, leaf_only=True)
    code = best.label if confident and applicable else None
    evidence.update({
        "candidates": [{"code": s.label, "probability": s.probability} for s in ranked],
        "probability": best.probability,
        "auto_category": code is not None,
        "models": {"category": active.version_id},
    })
    return code


def _needs_unit(session: Session, data: CaseIn, version_id: int | None, code: str | None) -> bool:
    # Unit suggestions only matter when the responsibility list will not route the case itself.
    if code is None:
        return True
    division = data.location.division_code or get_settings().city_code
    return routing.route(session, version_id, code, division, data.appeal_type).unit_id is None


def _units(session: Session, data: CaseIn, evidence: dict[str, Any]) -> None:
    active = registry.active_model(session, ModelKind.UNIT)
    if active is None:
        return
    text = training.model_text(ModelKind.UNIT, data.title, data.content, data.location.division_code)
    ranked = active.classifier.suggest(text, TOP_K)
    units = [{"unit_id": int(s.label), "probability": s.probability} for s in ranked if s.label.isdigit()]
    if units:
        evidence["suggested_units"] = units
        evidence["models"] = {**evidence.get("models", {}), "unit": active.version_id}
