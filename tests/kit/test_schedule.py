"""Periodic jobs: every slot of a job runs on exactly one node, whatever the nodes' ticks and however they race."""

from __future__ import annotations

import threading
from collections import Counter
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import delete, select
from sqlalchemy.engine import Engine

from cityloop.kit import clock
from cityloop.kit.db import session_scope
from cityloop.kit.schedule import service
from cityloop.kit.schedule.models import JobRun

T0 = datetime(2026, 12, 4, 8, 0, tzinfo=UTC)


@pytest.fixture
def jobs(engine: Engine, monkeypatch: pytest.MonkeyPatch) -> Counter[str]:
    """A private job table with two counting jobs (60 s and 300 s); the counter is what ran."""
    ran: Counter[str] = Counter()
    monkeypatch.setattr(service, "JOBS", {})
    service.register("minutely", lambda: 60.0, lambda: ran.update(["minutely"]))
    service.register("five", lambda: 300.0, lambda: ran.update(["five"]))
    return ran


def _runs() -> list[tuple[str, int]]:
    with session_scope() as session:
        return list(session.execute(select(JobRun.job, JobRun.slot).order_by(JobRun.id)).tuples())


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(ticks=st.lists(st.tuples(st.integers(0, 3), st.integers(0, 1800)), min_size=1, max_size=30))
def test_each_slot_runs_once_whatever_the_ticks(jobs: Counter[str], ticks: list[tuple[int, int]]) -> None:
    jobs.clear()
    with session_scope() as session:
        session.execute(delete(JobRun))
    nodes = [service.Ticker(node=f"node-{i}") for i in range(4)]
    for node, second in sorted(ticks, key=lambda t: t[1]):
        nodes[node].tick(T0 + timedelta(seconds=second))
    minutes = {second // 60 for _, second in ticks}
    fives = {second // 300 for _, second in ticks}
    assert jobs == Counter({"minutely": len(minutes), "five": len(fives)})
    runs = _runs()
    assert len(runs) == len(set(runs)) == len(minutes) + len(fives)


def test_racing_nodes_run_a_slot_once(jobs: Counter[str]) -> None:
    for minute in range(4):
        moment = T0 + timedelta(minutes=minute)
        gate = threading.Barrier(4)

        def node(i: int, when: datetime = moment, barrier: threading.Barrier = gate) -> None:
            barrier.wait()
            service.Ticker(node=f"racer-{i}").tick(when)

        threads = [threading.Thread(target=node, args=(i,)) for i in range(4)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    assert jobs == Counter({"minutely": 4, "five": 1})
    nodes = {run.node for run in _rows()}
    assert nodes <= {f"racer-{i}" for i in range(4)}


def _rows() -> list[JobRun]:
    with session_scope() as session:
        return list(session.scalars(select(JobRun)))


def test_a_failed_run_is_recorded_and_the_next_slot_runs_again(jobs: Counter[str]) -> None:
    calls: list[datetime] = []

    def flaky() -> None:
        calls.append(T0)
        if len(calls) == 1:
            raise RuntimeError("database went away")

    service.register("flaky", lambda: 60.0, flaky)
    ticker = service.Ticker(node="a")
    ticker.tick(T0)
    ticker.tick(T0 + timedelta(seconds=30))  # same slot: not retried by this node
    ticker.tick(T0 + timedelta(seconds=61))
    assert len(calls) == 2
    errors = {row.slot: row.error for row in _rows() if row.job == "flaky"}
    assert list(errors.values()) == ["RuntimeError: database went away", ""]
    assert all(row.finished_at is not None for row in _rows())


def test_a_node_that_died_mid_run_holds_only_its_own_slot(jobs: Counter[str]) -> None:
    slot = service.slot_of(T0, 60.0)
    assert service.claim("minutely", slot, "dead-node") is not None  # claimed, never finished
    service.Ticker(node="alive").tick(T0)
    assert jobs["minutely"] == 0
    service.Ticker(node="alive").tick(T0 + timedelta(minutes=1))
    assert jobs["minutely"] == 1


def test_a_run_by_hand_leaves_the_scheduled_slot_free(jobs: Counter[str]) -> None:
    assert service.run_by_hand(service.JOBS["minutely"]) == ""
    service.Ticker(node="a").tick()
    assert jobs["minutely"] == 2
    assert [row.job for row in service.status()] == ["five", "minutely"]
    assert {row.job: row.runs for row in service.status()} == {"five": 1, "minutely": 2}


def test_old_runs_are_pruned(jobs: Counter[str]) -> None:
    clock.freeze(T0 - timedelta(days=20))
    service.Ticker(node="a").tick()
    clock.freeze(T0)
    service.Ticker(node="a").tick()
    assert service.prune(T0) == 2
    assert len(_runs()) == 2
