"""Retraining as a background job (202 + poll), one job per kind, admin only, and model version retention."""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from registry_helpers import PHRASES, PLACES, finish, mount, train_dir, use_model_dir
from sqlalchemy import select
from sqlalchemy.orm import Session

from builders import World, file_case
from cityloop.config import get_settings
from cityloop.intel.registry import jobs
from cityloop.intel.registry import repository as repo
from cityloop.intel.registry import service as registry
from cityloop.intel.registry.models import ModelVersion
from cityloop.kit import clock
from cityloop.kit.auth import SYSTEM


@pytest.fixture
def model_dir(db: Session, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    return use_model_dir(monkeypatch, tmp_path / "models")


@pytest.fixture(scope="module")
def trained(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return train_dir(tmp_path_factory.mktemp("jobs") / "category-a")


def _history(db: Session, world: World) -> None:
    for code, phrases in PHRASES.items():
        for phrase in phrases:
            case = file_case(db, world.subjects["agent"], category_code=code, title=f"{PLACES[0]}{phrase}",
                             content=f"{PLACES[0]}附近{phrase}，请尽快处理。")
            finish(db, case)


def test_retrain_answers_202_and_the_job_is_polled_to_done(client, auth, db: Session, world: World,  # type: ignore[no-untyped-def]
                                                            model_dir: Path) -> None:
    mount(client)
    _history(db, world)
    resp = client.post("/api/v1/intel/retrain", json={"kind": "category"}, headers=auth("admin"))
    assert resp.status_code == 202, resp.text
    queued = resp.json()
    assert (queued["state"], queued["kind"], queued["requested_by"]) == ("queued", "category", "admin")
    assert queued["result"] is None
    location = resp.headers["Location"]
    assert location == f"/api/v1/intel/jobs/{queued['id']}"
    assert client.get(location, headers=auth("admin")).json()["state"] == "queued"

    assert jobs.run_pending() == [queued["id"]]
    done = client.get(location, headers=auth("admin")).json()
    assert done["state"] == "done"
    assert done["started_at"]
    assert done["finished_at"]
    assert done["error"] is None
    assert done["result"]["id"] == done["version_id"]
    assert done["result"]["is_active"] is True
    assert done["result"]["created_by"] == "admin"
    assert jobs.run_pending() == []  # a job runs once


def test_a_second_request_of_the_same_kind_is_refused_while_one_is_pending(client, auth, db: Session,  # type: ignore[no-untyped-def]
                                                                           world: World, model_dir: Path) -> None:
    mount(client)
    _history(db, world)
    first = client.post("/api/v1/intel/retrain", json={"kind": "category"}, headers=auth("admin")).json()
    again = client.post("/api/v1/intel/retrain", json={"kind": "category"}, headers=auth("admin"))
    assert again.status_code == 409
    assert again.json()["details"]["job_id"] == first["id"]
    other_kind = client.post("/api/v1/intel/retrain", json={"kind": "unit"}, headers=auth("admin"))
    assert other_kind.status_code == 202
    assert jobs.run_pending() == [first["id"], other_kind.json()["id"]]
    after = client.post("/api/v1/intel/retrain", json={"kind": "category"}, headers=auth("admin"))
    assert after.status_code == 202  # finished jobs no longer block their kind


def test_only_admins_queue_or_read_jobs(client, auth, world: World, model_dir: Path) -> None:  # type: ignore[no-untyped-def]
    mount(client)
    assert client.post("/api/v1/intel/retrain", json={}, headers=auth("dispatcher")).status_code == 403
    job = client.post("/api/v1/intel/retrain", json={}, headers=auth("admin")).json()
    assert client.get(f"/api/v1/intel/jobs/{job['id']}", headers=auth("dispatcher")).status_code == 403
    assert client.get("/api/v1/intel/jobs/999999", headers=auth("admin")).status_code == 404
    assert client.post("/api/v1/intel/retrain", json={}).status_code == 401


def test_a_job_without_enough_data_fails_with_the_reason(db: Session, world: World, model_dir: Path) -> None:
    job = jobs.submit(db, world.subjects["admin"], "category")
    jobs.run_pending()
    failed = jobs.view(db, world.subjects["admin"], job.id).job
    db.refresh(failed)
    assert failed.state == "failed"
    assert failed.error is not None
    assert failed.error["error"] == "validation_failed"
    assert failed.finished_at is not None
    assert jobs.submit(db, world.subjects["admin"], "category").id != job.id


def test_a_job_whose_worker_died_is_failed_after_the_timeout(db: Session, world: World, model_dir: Path) -> None:
    start = datetime(2026, 3, 2, 9, tzinfo=UTC)
    clock.freeze(start)
    job = jobs.submit(db, world.subjects["admin"], "category")
    assert repo.claim(db, job.id, "gone:1", start)  # claimed, then the process vanished
    db.commit()
    assert not repo.claim(db, job.id, "other:2", start)  # and nobody else can claim it
    clock.freeze(start + timedelta(minutes=get_settings().job_timeout_minutes + 1))
    fresh = jobs.submit(db, world.subjects["admin"], "category")
    db.refresh(job)
    assert (job.state, job.error and job.error["error"]) == ("failed", "job_lost")
    assert fresh.state == "queued"


def _copy(trained: Path, target: Path) -> Path:
    shutil.copytree(trained, target)
    return target


def test_pruning_keeps_the_newest_the_active_and_the_previous_version(
        db: Session, model_dir: Path, trained: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CITYLOOP_MODEL_KEEP_VERSIONS", "2")
    get_settings.cache_clear()
    outside = _copy(trained, tmp_path / "elsewhere")
    v = [registry.register(db, SYSTEM, outside, "category")]
    v += [registry.register(db, SYSTEM, _copy(trained, model_dir / f"v{i}"), "category") for i in range(1, 6)]
    registry.activate(db, SYSTEM, v[0].id)
    registry.activate(db, SYSTEM, v[1].id)  # v[0] becomes "the previous one"
    ids = [x.id for x in v]
    pruned = registry.prune(db, SYSTEM, "category")
    assert sorted(pruned) == [ids[2], ids[3]]
    left = set(db.scalars(select(ModelVersion.id)))
    assert left == {ids[0], ids[1], ids[4], ids[5]}
    assert not (model_dir / "v2").exists()
    assert not (model_dir / "v3").exists()
    assert (model_dir / "v1").is_dir()
    assert outside.is_dir()  # registered from outside the model directory: the row goes, the files stay


@dataclass
class _V:
    id: int
    is_active: bool
    activated_at: datetime | None


@given(st.lists(st.tuples(st.booleans(), st.integers(0, 50)), min_size=0, max_size=12),
       st.integers(0, 11), st.integers(2, 6))
def test_retention_always_keeps_active_previous_and_newest(spec: list[tuple[bool, int]], active: int,
                                                           keep: int) -> None:
    base = datetime(2026, 1, 1, tzinfo=UTC)
    versions: list[Any] = [_V(i + 1, i == active, base + timedelta(hours=h) if was else None)
                           for i, (was, h) in enumerate(spec)]
    kept = registry.retained(versions, keep)
    ids = sorted(x.id for x in versions)
    assert set(ids[-keep:]) <= kept
    assert {x.id for x in versions if x.is_active} <= kept
    inactive = [x for x in versions if not x.is_active and x.activated_at is not None]
    if inactive:
        latest = max(x.activated_at for x in inactive)
        assert any(x.id in kept for x in inactive if x.activated_at == latest)
    assert len(kept) <= keep + 2
