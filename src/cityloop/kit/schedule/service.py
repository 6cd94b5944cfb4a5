"""Claim and run due periodic jobs: every node ticks, the database's unique (job, slot) lets exactly one run each slot.

Why the database and not Redis: it is the one service every node already shares and must reach to do any work, so a
claim there survives Redis being down (no job runs twice, none waits for Redis) and leaves a history of every run.
A node that dies mid-run loses that slot only; the jobs are catch-ups, so the next slot does the work.
"""

from __future__ import annotations

import logging
import os
import socket
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, func, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from cityloop.kit.clock import utcnow
from cityloop.kit.db import session_scope
from cityloop.kit.schedule.models import JobRun

log = logging.getLogger(__name__)
NODE = f"{socket.gethostname()}:{os.getpid()}"
KEEP = timedelta(days=14)


@dataclass(frozen=True)
class Job:
    """A periodic job; `period` is read on every tick so a changed setting takes effect without a restart."""

    name: str
    period: Callable[[], float]
    run: Callable[[], object]


JOBS: dict[str, Job] = {}


def register(name: str, period: Callable[[], float], run: Callable[[], object]) -> None:
    """Add (or replace) a periodic job."""
    JOBS[name] = Job(name, period, run)


def slot_of(moment: datetime, period: float) -> int:
    """The slot a moment falls in; every node computes the same number for the same moment."""
    return int(moment.timestamp() // max(period, 1.0))


def claim(job: str, slot: int, node: str = NODE) -> int | None:
    """Claim one slot of a job in its own transaction: the run's id, or None when another node has it."""
    with session_scope() as session:
        # ON CONFLICT DO NOTHING: losing the race is the normal case, not an error for the server's log.
        dialect = pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
        stmt = dialect(JobRun).values(job=job, slot=slot, node=node, started_at=utcnow(), error="")
        won = session.execute(stmt.on_conflict_do_nothing(index_elements=["job", "slot"]).returning(JobRun.id))
        run_id = won.scalar_one_or_none()
        return int(run_id) if run_id is not None else None


def finish(run_id: int, error: str = "") -> None:
    """Record the end of a run (and its error, if any)."""
    with session_scope() as session:
        session.execute(update(JobRun).where(JobRun.id == run_id).values(finished_at=utcnow(), error=error[:2000]))


@dataclass
class Ticker:
    """One node's scheduler: remembers the last slot it saw per job so it tries each slot's claim once."""

    node: str = NODE
    seen: dict[str, int] | None = None

    def tick(self, now: datetime | None = None) -> list[str]:
        """Run every job whose slot changed since the last tick and whose claim this node wins; their names."""
        moment = now or utcnow()
        seen = self.seen if self.seen is not None else {}
        self.seen = seen
        ran: list[str] = []
        for job in list(JOBS.values()):
            slot = slot_of(moment, job.period())
            if seen.get(job.name) == slot:
                continue
            seen[job.name] = slot
            run_id = claim(job.name, slot, self.node)
            if run_id is not None:
                _run(job, run_id)
                ran.append(job.name)
        return ran


def _run(job: Job, run_id: int) -> str:
    try:
        job.run()
    except Exception as exc:  # a failed run is recorded and retried in the next slot; the ticker must go on
        log.exception("periodic job %s failed", job.name)
        error = f"{type(exc).__name__}: {exc}"
        finish(run_id, error)
        return error
    finish(run_id)
    return ""


def run_by_hand(job: Job) -> str:
    """Run a job now, recorded under a negative slot of its own (the scheduled slots stay free); its error or ''."""
    run_id = claim(job.name, -int(utcnow().timestamp() * 1000))
    return _run(job, run_id) if run_id is not None else "claimed twice in one millisecond"


def prune(now: datetime | None = None) -> int:
    """Forget runs older than two weeks; how many went."""
    with session_scope() as session:
        result = session.execute(delete(JobRun).where(JobRun.started_at < (now or utcnow()) - KEEP))
        return int(getattr(result, "rowcount", 0) or 0)


@dataclass(frozen=True)
class JobStatus:
    """The last run of a job across every node."""

    job: str
    period_s: float
    runs: int
    last_node: str
    last_started_at: datetime | None
    last_finished_at: datetime | None
    last_error: str


def status() -> list[JobStatus]:
    """Each registered job's last run and how many runs are on record."""
    with session_scope() as session:
        counts = dict(session.execute(select(JobRun.job, func.count()).group_by(JobRun.job)).tuples().all())
        out = []
        for job in sorted(JOBS.values(), key=lambda j: j.name):
            last = session.scalar(select(JobRun).where(JobRun.job == job.name).order_by(JobRun.id.desc()).limit(1))
            out.append(JobStatus(job.name, job.period(), int(counts.get(job.name, 0)), last.node if last else "",
                                 last.started_at if last else None, last.finished_at if last else None,
                                 last.error if last else ""))
        return out
