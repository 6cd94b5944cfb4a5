"""Intake suggester: confident leaves are applied and routed, the rest queue with suggestions; intake never breaks."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from registry_helpers import CONFIDENT_TEXT, UNIT_OF_LEAF, VAGUE_TEXT, train_dir, use_model_dir
from sqlalchemy.orm import Session

from builders import World, file_case
from cityloop.cases.models import Case
from cityloop.cases.states import State
from cityloop.intel.classify import suggest
from cityloop.intel.registry import service as registry
from cityloop.kit.auth import SYSTEM

Models = dict[str, Path]


@pytest.fixture(scope="module")
def models(tmp_path_factory: pytest.TempPathFactory) -> Models:
    base = tmp_path_factory.mktemp("suggest-models")
    names = {"010101": "市容", "010201": "环卫", "020101": "物业", "030101": "部件"}
    return {"category": train_dir(base / "category"), "names": train_dir(base / "names", names)}


@pytest.fixture
def hooked(db: Session, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    use_model_dir(monkeypatch, tmp_path / "models")
    suggest.register()
    yield
    suggest.unregister()


def _serve(db: Session, directory: Path, kind: str = "category") -> int:
    version = registry.register(db, SYSTEM, directory, kind)
    return registry.activate(db, SYSTEM, version.id).id


def _unit_model(world: World, tmp_path: Path) -> Path:
    ids = {code: str(world.units[unit].id) for code, unit in UNIT_OF_LEAF.items()}
    return train_dir(tmp_path / "unit", ids)


def _file(db: Session, world: World, title: str, content: str) -> Case:
    return file_case(db, world.subjects["agent"], category_code=None, title=title, content=content)


def test_a_confident_leaf_is_applied_and_routed(db: Session, world: World, hooked: None, models: Models) -> None:
    version_id = _serve(db, models["category"])
    case = _file(db, world, *CONFIDENT_TEXT)
    assert case.category_code == "030101"
    assert case.state == State.DISPATCHED
    assert case.unit_id == world.units["chengguan"].id
    assert case.suggestions["auto_category"] is True
    assert case.suggestions["models"] == {"category": version_id}
    assert case.suggestions["candidates"][0]["code"] == "030101"
    assert case.suggestions["route"] == "rule"
    assert "suggested_units" not in case.suggestions  # routing found the unit


def test_an_unsure_case_queues_with_suggestions(db: Session, world: World, hooked: None, models: Models,
                                                tmp_path: Path) -> None:
    _serve(db, models["category"])
    unit_version = _serve(db, _unit_model(world, tmp_path), "unit")
    case = _file(db, world, *VAGUE_TEXT)
    assert case.category_code is None
    assert case.state == State.RECEIVED
    assert case.unit_id is None
    evidence = case.suggestions
    assert evidence["auto_category"] is False
    assert len(evidence["candidates"]) == 3
    assert evidence["probability"] < 0.6
    probabilities = [c["probability"] for c in evidence["candidates"]]
    assert probabilities == sorted(probabilities, reverse=True)
    assert evidence["models"]["unit"] == unit_version
    assert {u["unit_id"] for u in evidence["suggested_units"]} <= {u.id for u in world.units.values()}


def test_units_are_suggested_from_history_when_routing_finds_none(db: Session, world: World, hooked: None,
                                                                  tmp_path: Path) -> None:
    _serve(db, _unit_model(world, tmp_path), "unit")
    case = _file(db, world, "物业乱收费", "物业公司乱收物业费")
    assert case.state == State.RECEIVED
    assert case.suggestions["suggested_units"][0]["unit_id"] == world.units["zhujian"].id
    assert "candidates" not in case.suggestions  # no category model is active


def test_labels_outside_the_taxonomy_only_advise(db: Session, world: World, hooked: None, models: Models) -> None:
    _serve(db, models["names"])
    case = _file(db, world, *CONFIDENT_TEXT)
    assert case.category_code is None
    assert case.state == State.RECEIVED
    assert case.suggestions["candidates"][0]["code"] == "部件"
    assert case.suggestions["probability"] >= 0.6


def test_a_category_given_by_the_caller_wins(db: Session, world: World, hooked: None, models: Models) -> None:
    _serve(db, models["category"])
    case = file_case(db, world.subjects["agent"], category_code="020101", title=CONFIDENT_TEXT[0],
                     content=CONFIDENT_TEXT[1])
    assert case.category_code == "020101"
    assert "candidates" not in case.suggestions


def test_without_an_active_model_intake_is_unchanged(db: Session, world: World, hooked: None) -> None:
    case = file_case(db, world.subjects["agent"], category_code=None)
    assert case.category_code is None
    assert case.suggestions == {"route": "no_category"}


def test_a_failing_model_never_breaks_intake(db: Session, world: World, hooked: None, models: Models,
                                             monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture) -> None:
    _serve(db, models["category"])

    def explode(*_args: object) -> None:
        raise RuntimeError("model exploded")

    monkeypatch.setattr(registry, "active_model", explode)
    case = _file(db, world, *CONFIDENT_TEXT)
    assert case.id is not None
    assert case.category_code is None
    assert case.state == State.RECEIVED
    assert "intake suggestion failed" in caplog.text


def test_a_failing_lookup_leaves_the_intake_transaction_usable(db: Session, world: World, hooked: None,
                                                               monkeypatch: pytest.MonkeyPatch) -> None:
    from sqlalchemy import text

    from cityloop.intel.registry import repository as registry_repository

    def bad_query(session: Session, _kind: str) -> None:
        session.execute(text("SELECT no_such_column FROM intel_model_versions"))

    monkeypatch.setattr(registry_repository, "active_version_id", bad_query)
    case = file_case(db, world.subjects["agent"], category_code=None)
    assert case.id is not None
    assert case.state == State.RECEIVED


def test_a_broken_model_directory_never_breaks_intake(db: Session, world: World, hooked: None, tmp_path: Path) -> None:
    directory = train_dir(tmp_path / "models" / "broken")
    _serve(db, directory)
    registry.reset_cache()
    (directory / "model.joblib").write_bytes(b"garbage")
    case = _file(db, world, *CONFIDENT_TEXT)
    assert case.state == State.RECEIVED
