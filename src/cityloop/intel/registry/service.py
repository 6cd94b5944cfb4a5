"""Model registry: register and activate trained model directories, serve the active one, retrain from the database."""

from __future__ import annotations

import json
import logging
import shutil
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from cityloop.audit import service as audit
from cityloop.config import get_settings
from cityloop.intel.classify import model as classify
from cityloop.intel.registry import repository as repo
from cityloop.intel.registry import training
from cityloop.intel.registry.models import ModelKind, ModelVersion
from cityloop.kit.auth import Role, Subject
from cityloop.kit.clock import utcnow
from cityloop.kit.db import cache_clearers
from cityloop.kit.errors import Conflict, Forbidden, NotFound, ValidationFailed

log = logging.getLogger(__name__)

# How often a process asks the database whether another process activated a different model.
STAMP_SECONDS = 30.0
DEFAULT_TRAINING_LIMIT = training.DEFAULT_LIMIT
_PROVENANCE = ("source", "sources", "n_cases", "n_labels", "n_corrections", "n_file_rows", "n_dropped")


@dataclass(frozen=True)
class ActiveModel:
    """The loaded classifier of the active version of a kind."""

    version_id: int
    kind: str
    classifier: classify.TextClassifier


def resolve(path: str) -> Path:
    """The directory of a stored model path (relative paths live under Settings.model_dir)."""
    return get_settings().model_dir / path


def _stored_path(directory: Path) -> str:
    root = get_settings().model_dir.resolve()
    full = directory.resolve()
    return str(full.relative_to(root)) if full.is_relative_to(root) else str(full)


def model_kind(kind: str) -> ModelKind:
    """The model kind named by `kind`, or a validation error."""
    try:
        return ModelKind(kind)
    except ValueError:
        raise ValidationFailed({"kind": ("模型类型应为 category 或 unit", "kind must be category or unit")}) from None


def _require_admin(subject: Subject) -> None:
    if not subject.has(Role.ADMIN):
        raise Forbidden("只有管理员可以管理模型", "Only administrators may manage models")


def read_metadata(directory: Path) -> dict[str, Any]:
    """metadata.json of a model directory; a readable, supported model or a validation error."""
    try:
        meta: dict[str, Any] = json.loads((directory / classify.METADATA_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        problem = (f"无法读取模型目录 {directory}", f"Cannot read a model in {directory}")
        raise ValidationFailed({"path": problem}) from exc
    if meta.get("format_version") != classify.MODEL_FORMAT_VERSION:
        raise ValidationFailed({"path": ("模型格式不受支持", f"Unsupported model format {meta.get('format_version')}")})
    return meta


def register(session: Session, subject: Subject, directory: Path, kind: str) -> ModelVersion:
    """Record a trained model directory as a new, inactive version (admin)."""
    _require_admin(subject)
    meta = read_metadata(directory)
    version = ModelVersion(
        kind=model_kind(kind), path=_stored_path(directory), labels=list(meta.get("labels") or []),
        training_sha256=str(meta.get("training_sha256") or ""), metrics=dict(meta.get("metrics") or {}),
        training={k: meta[k] for k in _PROVENANCE if k in meta},
        n_train=int(meta.get("n_train") or 0), created_by=subject.name,
    )
    session.add(version)
    session.flush()
    audit.record(session, subject, "intel_register_model", "model_version", [version.id], {"path": version.path})
    session.commit()
    return version


def activate(session: Session, subject: Subject, version_id: int) -> ModelVersion:
    """Make a version the one its kind serves (admin); the previous one of that kind is deactivated."""
    _require_admin(subject)
    version = repo.version_by_id(session, version_id)
    if version is None:
        raise NotFound("模型版本不存在", "Model version not found", version_id=version_id)
    read_metadata(resolve(version.path))
    current = repo.active_version(session, version.kind)
    try:
        if current is not None and current.id != version.id:
            current.is_active = False
            # Flush first: the partial unique index allows one active row per kind at any instant.
            session.flush()
        version.is_active = True
        version.activated_at = utcnow()
        audit.record(session, subject, "intel_activate_model", "model_version", [version.id],
                     {"kind": version.kind, "previous": current.id if current else None})
        session.commit()
    except IntegrityError as exc:  # another activation of the same kind won the race
        session.rollback()
        raise Conflict("另一个模型刚被启用，请刷新", "Another model was activated meanwhile; reload") from exc
    reset_cache()
    return version


def list_versions(session: Session, subject: Subject, kind: str | None = None) -> list[ModelVersion]:
    """Registered versions, newest first (staff)."""
    if not subject.is_staff:
        raise Forbidden("只有工作人员可以查看模型", "Only staff may list models")
    return repo.versions(session, model_kind(kind) if kind else None)


@dataclass
class _Slot:
    version_id: int | None
    model: ActiveModel | None
    checked: float


_slots: dict[str, _Slot] = {}
_lock = threading.Lock()


def reset_cache() -> None:
    """Forget loaded models; the next call re-reads the active versions."""
    with _lock:
        _slots.clear()


cache_clearers.append(reset_cache)


def active_model(session: Session, kind: str) -> ActiveModel | None:
    """The active model of a kind, loaded once per process and reloaded when another version is activated."""
    slot = _slots.get(kind)
    now = time.monotonic()
    if slot is not None and now - slot.checked < STAMP_SECONDS:
        return slot.model
    # A savepoint keeps a failing lookup from aborting the caller's transaction (intake runs inside one).
    with session.begin_nested():
        stamp = repo.active_version_id(session, kind)
        stale = slot is None or slot.version_id != stamp
        version = repo.version_by_id(session, stamp) if stamp is not None and stale else None
    with _lock:
        slot = _slots.get(kind)
        if slot is None or slot.version_id != stamp:
            if stamp is not None and version is None:
                return None  # the cache was reset meanwhile: the next call loads
            model = _load(version) if version is not None else None
            # A model that failed to load is retried at the next stamp check rather than cached as missing.
            slot = _Slot(stamp if model is not None or stamp is None else None, model, now)
            _slots[kind] = slot
        slot.checked = now
        return slot.model


def _load(version: ModelVersion) -> ActiveModel | None:
    try:
        classifier = classify.load(resolve(version.path))
    except Exception:  # a broken model directory must not take intake down; suggestions just stop
        log.exception("cannot load model version %s from %s", version.id, version.path)
        return None
    return ActiveModel(version.id, version.kind, classifier)


def retrain(session: Session, subject: Subject, kind: str, *, activate_new: bool = True, holdout: float = 0.2,
            limit: int = DEFAULT_TRAINING_LIMIT, include_files: bool = True) -> ModelVersion:
    """Train on finished cases, every stored correction and the active model's files; register, by default activate."""
    _require_admin(subject)
    kind_ = model_kind(kind)
    files = _active_files(session, kind_) if include_files else None
    directory = training.train_from_database(session, kind_, files=files, holdout=holdout, limit=limit)
    version = register(session, subject, directory, kind_)
    if activate_new:
        version = activate(session, subject, version.id)
    prune(session, subject, kind_)
    return version


def prune(session: Session, subject: Subject, kind: str) -> list[int]:
    """Delete versions of a kind beyond `Settings.model_keep_versions`, with their directories; return their ids.

    The newest versions are kept, and always the active one and the previous one (the inactive version activated
    most recently), so an activation can be undone.
    """
    _require_admin(subject)
    versions = repo.versions(session, model_kind(kind))
    keep = retained(versions, get_settings().model_keep_versions)
    doomed = [v for v in versions if v.id not in keep]
    if not doomed:
        return []
    ids, paths = [v.id for v in doomed], [v.path for v in doomed]
    repo.delete_versions(session, doomed)
    audit.record(session, subject, "intel_prune_models", "model_version", ids, {"kind": str(kind), "paths": paths})
    session.commit()
    # Files go only after the rows are gone, so a failed commit never leaves a row without its directory.
    for path in paths:
        _remove_directory(path)
    return ids


def retained(versions: Sequence[ModelVersion], keep_newest: int) -> set[int]:
    """Ids retention keeps: the `keep_newest` highest ids, the active version and the previous one."""
    keep = {v.id for v in sorted(versions, key=lambda v: v.id, reverse=True)[:keep_newest]}
    keep |= {v.id for v in versions if v.is_active}
    activated = [v for v in versions if not v.is_active and v.activated_at is not None]
    if activated:
        keep.add(max(activated, key=lambda v: (v.activated_at, v.id)).id)
    return keep


def _remove_directory(path: str) -> None:
    # Only directories under the model directory are ours; a model registered from elsewhere is left in place.
    root = get_settings().model_dir.resolve()
    full = resolve(path).resolve()
    if full != root and full.is_relative_to(root):
        shutil.rmtree(full, ignore_errors=True)


def _active_files(session: Session, kind: ModelKind) -> training.FileSource | None:
    current = repo.active_version(session, kind)
    if current is None:
        return None
    try:
        return training.FileSource.from_metadata(read_metadata(resolve(current.path)))
    except ValidationFailed:
        log.warning("active %s model %s is unreadable; retraining from the database only", kind, current.id)
        return None
