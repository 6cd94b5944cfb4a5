"""Retraining as a background job: queue (one per kind), claim once across processes, run, record the outcome."""

from __future__ import annotations

import logging
import os
import socket
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from cityloop.audit import service as audit
from cityloop.config import get_settings
from cityloop.intel.registry import repository as repo
from cityloop.intel.registry import service as registry
from cityloop.intel.registry.models import JobState, ModelVersion, TrainingJob
from cityloop.kit.auth import Role, Subject
from cityloop.kit.clock import utcnow
from cityloop.kit.db import session_scope
from cityloop.kit.errors import Conflict, DomainError, Forbidden, NotFound

log = logging.getLogger(__name__)

_STALE = {"error": "job_lost", "message": {"zh": "训练进程已中断", "en": "The training process stopped"}}
_CRASH = {"error": "internal",
          "message": {"zh": "训练出错，详见服务器日志", "en": "Training failed; see the server log"}}


@dataclass(frozen=True)
class JobView:
    """A job with the model version it produced (None until done, or once retention deleted it)."""

    job: TrainingJob
    version: ModelVersion | None


def _require_admin(subject: Subject) -> None:
    if not subject.has(Role.ADMIN):
        raise Forbidden("只有管理员可以训练模型", "Only administrators may train models")


def submit(session: Session, subject: Subject, kind: str, *, activate_new: bool = True) -> TrainingJob:
    """Queue a retraining of `kind` (admin); Conflict, naming the job, while one is queued or running."""
    _require_admin(subject)
    model_kind = registry.model_kind(kind)
    fail_stale(session)
    job = TrainingJob(kind=model_kind, state=JobState.QUEUED, requested_by=subject.name,
                      requested_by_id=subject.id, params={"activate": activate_new, "scope": subject.scope})
    session.add(job)
    try:
        session.flush()
    except IntegrityError as exc:  # the partial unique index: one queued or running job per kind
        session.rollback()
        current = repo.pending_job(session, model_kind)
        raise Conflict("该类型的模型正在训练，请等待完成", "A model of this kind is already being trained",
                       job_id=current.id if current else None) from exc
    audit.record(session, subject, "intel_retrain_queued", "training_job", [job.id], {"kind": str(model_kind)})
    session.commit()
    return job


def view(session: Session, subject: Subject, job_id: int) -> JobView:
    """One job and, once done, its model version (admin)."""
    _require_admin(subject)
    job = repo.job_by_id(session, job_id)
    if job is None:
        raise NotFound("训练任务不存在", "Training job not found", job_id=job_id)
    version = repo.version_by_id(session, job.version_id) if job.version_id is not None else None
    return JobView(job, version)


def fail_stale(session: Session) -> int:
    """Mark running jobs older than `Settings.job_timeout_minutes` failed, freeing their kind."""
    now = utcnow()
    before = now - timedelta(minutes=get_settings().job_timeout_minutes)
    count = repo.fail_stale(session, before, _STALE, now)
    session.commit()
    return count


def run_pending(worker: str | None = None) -> list[int]:
    """Run queued jobs one after another until none is left; return the ids this call ran."""
    worker = worker or f"{socket.gethostname()}:{os.getpid()}"
    ran: list[int] = []
    while (job_id := _claim_next(worker)) is not None:
        _run(job_id)
        ran.append(job_id)
    return ran


def _claim_next(worker: str) -> int | None:
    # The conditional UPDATE is the claim: of several processes racing for a job, exactly one changes the row.
    with session_scope() as session:
        fail_stale(session)
        while (job_id := repo.next_queued_id(session)) is not None:
            if repo.claim(session, job_id, worker, utcnow()):
                session.commit()
                return job_id
            session.rollback()
    return None


def _run(job_id: int) -> None:
    with session_scope() as session:
        job = repo.job_by_id(session, job_id)
        assert job is not None  # claimed a moment ago; jobs are never deleted
        requester = Subject(id=job.requested_by_id, name=job.requested_by, roles=frozenset({Role.ADMIN}),
                            scope=str(job.params.get("scope") or ""))
        kind, activate_new = job.kind, bool(job.params.get("activate", True))
        try:
            version = registry.retrain(session, requester, kind, activate_new=activate_new)
        except DomainError as err:  # e.g. not enough training data: the requester's to fix
            session.rollback()
            repo.finish(session, job_id, JobState.FAILED, utcnow(), error=err.payload())
            return
        except Exception:  # a crash is recorded on the job; the runner itself goes on
            log.exception("training job %s failed", job_id)
            session.rollback()
            repo.finish(session, job_id, JobState.FAILED, utcnow(), error=_CRASH)
            return
        repo.finish(session, job_id, JobState.DONE, utcnow(), version_id=version.id)
