"""The model registry: register, activate (one per kind), list, the per-process active-model cache, CLI and API."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import typer
from registry_helpers import mount, train_dir, use_model_dir
from sqlalchemy import update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from builders import World
from cityloop.intel.registry import cli as registry_cli
from cityloop.intel.registry import service as registry
from cityloop.intel.registry.models import ModelVersion
from cityloop.kit.auth import SYSTEM
from cityloop.kit.db import get_sessionmaker
from cityloop.kit.errors import Forbidden, NotFound, ValidationFailed


@pytest.fixture(scope="module")
def trained(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return train_dir(tmp_path_factory.mktemp("models") / "category-a")


@pytest.fixture
def model_dir(db: Session, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    return use_model_dir(monkeypatch, tmp_path / "models")


def test_register_reads_the_metadata(db: Session, model_dir: Path, trained: Path) -> None:
    version = registry.register(db, SYSTEM, trained, "category")
    assert version.labels == ["010101", "010201", "020101", "030101"]
    assert version.n_train == 64
    assert len(version.training_sha256) == 64
    assert version.created_by == "system"
    assert not version.is_active
    assert registry.resolve(version.path) == trained


def test_register_keeps_paths_relative_to_the_model_dir(db: Session, model_dir: Path) -> None:
    version = registry.register(db, SYSTEM, train_dir(model_dir / "mine"), "unit")
    assert version.path == "mine"


def test_register_rejects_a_directory_without_a_model(db: Session, model_dir: Path, tmp_path: Path) -> None:
    with pytest.raises(ValidationFailed):
        registry.register(db, SYSTEM, tmp_path, "category")


def test_register_rejects_an_unknown_kind(db: Session, model_dir: Path, trained: Path) -> None:
    with pytest.raises(ValidationFailed):
        registry.register(db, SYSTEM, trained, "mood")


def test_one_active_version_per_kind(db: Session, model_dir: Path, trained: Path) -> None:
    first, second, unit = (registry.register(db, SYSTEM, trained, kind) for kind in ("category", "category", "unit"))
    registry.activate(db, SYSTEM, first.id)
    registry.activate(db, SYSTEM, unit.id)
    registry.activate(db, SYSTEM, second.id)
    active = {(v.id, v.kind) for v in registry.list_versions(db, SYSTEM) if v.is_active}
    assert active == {(second.id, "category"), (unit.id, "unit")}
    assert [v.id for v in registry.list_versions(db, SYSTEM, "category")] == [second.id, first.id]


def test_the_database_refuses_two_active_versions_of_a_kind(db: Session, model_dir: Path, trained: Path) -> None:
    first, second = (registry.register(db, SYSTEM, trained, "category") for _ in range(2))
    registry.activate(db, SYSTEM, first.id)
    with pytest.raises(IntegrityError):
        db.execute(update(ModelVersion).where(ModelVersion.id == second.id).values(is_active=True))
    db.rollback()


def test_only_admins_manage_models(db: Session, world: World, model_dir: Path, trained: Path) -> None:
    version = registry.register(db, SYSTEM, trained, "category")
    with pytest.raises(Forbidden):
        registry.activate(db, world.subjects["dispatcher"], version.id)
    with pytest.raises(Forbidden):
        registry.register(db, world.subjects["dispatcher"], trained, "category")
    with pytest.raises(Forbidden):
        registry.list_versions(db, world.subjects["citizen"])
    with pytest.raises(NotFound):
        registry.activate(db, world.subjects["admin"], 999)
    assert registry.activate(db, world.subjects["admin"], version.id).is_active


def test_active_model_is_cached_until_the_stamp_check(db: Session, model_dir: Path, trained: Path,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    assert registry.active_model(db, "category") is None
    first, second = (registry.register(db, SYSTEM, trained, "category") for _ in range(2))
    registry.activate(db, SYSTEM, first.id)
    loaded = registry.active_model(db, "category")
    assert loaded is not None
    assert loaded.version_id == first.id
    assert registry.active_model(db, "category") is loaded
    _activate_elsewhere(second.id, first.id)
    assert registry.active_model(db, "category") is loaded  # within the 30 s window: no query
    monkeypatch.setattr(registry, "STAMP_SECONDS", 0.0)
    reloaded = registry.active_model(db, "category")
    assert reloaded is not None
    assert reloaded.version_id == second.id


def _activate_elsewhere(new_id: int, old_id: int) -> None:
    # Another process (a CLI run, another worker) switches models without touching this process's cache.
    with get_sessionmaker()() as other:
        other.execute(update(ModelVersion).where(ModelVersion.id == old_id).values(is_active=False))
        other.execute(update(ModelVersion).where(ModelVersion.id == new_id).values(is_active=True))
        other.commit()


def test_a_broken_model_directory_yields_no_model(db: Session, model_dir: Path) -> None:
    directory = train_dir(model_dir / "broken")
    version = registry.register(db, SYSTEM, directory, "category")
    registry.activate(db, SYSTEM, version.id)
    (directory / "model.joblib").write_bytes(b"not a model")
    assert registry.active_model(db, "category") is None


def test_cli_registers_lists_and_activates(db: Session, model_dir: Path, trained: Path) -> None:
    app = typer.Typer()
    registry_cli.attach(app)
    runner = CliRunner()
    registered = runner.invoke(app, ["register", "--model", str(trained), "--kind", "category"])
    assert registered.exit_code == 0, registered.output
    version_id = json.loads(registered.output)["id"]
    activated = runner.invoke(app, ["activate", str(version_id)])
    assert activated.exit_code == 0, activated.output
    listed = [json.loads(line) for line in runner.invoke(app, ["models"]).output.splitlines()]
    assert [(v["id"], v["active"]) for v in listed] == [(version_id, True)]
    missing = runner.invoke(app, ["activate", "999"])
    assert missing.exit_code == 1
    assert "not_found" in missing.output
    empty = runner.invoke(app, ["retrain", "--kind", "unit"])  # no finished cases yet
    assert empty.exit_code == 1
    assert "validation_failed" in empty.output


def test_api_lists_and_activates(client, auth, world: World, model_dir: Path, trained: Path) -> None:  # type: ignore[no-untyped-def]
    mount(client)
    with get_sessionmaker()() as session:
        version = registry.register(session, SYSTEM, trained, "category")
    url = f"/api/v1/intel/models/{version.id}/activate"
    assert client.post(url, headers=auth("dispatcher")).status_code == 403
    resp = client.post(url, headers=auth("admin"))
    assert resp.status_code == 200, resp.text
    assert resp.json()["is_active"] is True
    listed = client.get("/api/v1/intel/models", headers=auth("dispatcher"), params={"kind": "category"})
    assert [v["id"] for v in listed.json()] == [version.id]
    assert client.post("/api/v1/intel/models/999/activate", headers=auth("admin")).status_code == 404
