"""Learning from corrections: re-categorisation, unit choices as labels, retraining that folds them in."""

from __future__ import annotations

import csv
import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from registry_helpers import CONFIDENT_TEXT, PHRASES, PLACES, finish, labelled, mount, use_model_dir
from sqlalchemy import update
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from builders import World, file_case
from cityloop.cases import workflow
from cityloop.cases.repository import events_of
from cityloop.cases.schemas import ActionIn
from cityloop.intel.classify.cli import app as intel_app
from cityloop.intel.registry import corrections
from cityloop.intel.registry import repository as repo
from cityloop.intel.registry import service as registry
from cityloop.intel.registry.models import Label
from cityloop.kit.auth import SYSTEM
from cityloop.kit.errors import Forbidden, NotFound, ValidationFailed


@pytest.fixture
def hooked(db: Session, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    corrections.register()
    yield use_model_dir(monkeypatch, tmp_path / "models")
    corrections.unregister()


def test_recategorize_stores_the_event_and_a_label(db: Session, world: World, hooked: Path) -> None:
    case = file_case(db, world.subjects["agent"])
    dispatcher = world.subjects["dispatcher"]
    corrections.recategorize(db, dispatcher, case.id, "010201", "是垃圾问题")
    db.expire_all()
    event = events_of(db, case.id)[-1]
    assert (event.action, event.data, event.note, event.actor_name) == (
        "recategorize", {"from": "010101", "to": "010201"}, "是垃圾问题", "dispatcher")
    [label] = repo.labels_of_case(db, case.id)
    assert (label.kind, label.value, label.source, label.actor_id) == (
        "category", "010201", "dispatcher_correction", world.users["dispatcher"].id)
    assert label.text_sha256 == corrections.text_sha256(case)
    assert next(iter(repo.cases_by_ids(db, [case.id]))).category_code == "010201"


def test_recategorize_is_scoped_and_checked(db: Session, world: World, hooked: Path) -> None:
    case = file_case(db, world.subjects["agent"])
    with pytest.raises(NotFound):
        corrections.recategorize(db, world.subjects["other_dispatcher"], case.id, "010201")
    with pytest.raises(Forbidden):
        corrections.recategorize(db, world.subjects["handler"], case.id, "010201")
    for bad in ("0102", "01", "999999", "010101"):  # not leaves, unknown, unchanged
        with pytest.raises(ValidationFailed):
            corrections.recategorize(db, world.subjects["dispatcher"], case.id, bad)
    assert repo.labels_of_case(db, case.id) == []


def test_recategorize_api(client, auth, world: World, hooked: Path) -> None:  # type: ignore[no-untyped-def]
    mount(client)
    created = client.post("/api/v1/cases", headers=auth("agent"), json={
        "channel": "hotline", "appeal_type": "complain", "title": "井盖", "content": "路上井盖没了",
        "reporter": {"name": "张三", "phone": "13812345678"},
        "location": {"division_code": "330106001"}, "category_code": "010101"})
    assert created.status_code == 201, created.text
    url = f"/api/v1/cases/{created.json()['id']}/recategorize"
    body = {"category_code": "030101", "note": "应为井盖"}
    assert client.post(url, headers=auth("other_dispatcher"), json=body).status_code == 404
    assert client.post(url, headers=auth("handler"), json=body).status_code == 403
    assert client.post(url, headers=auth("dispatcher"), json={"category_code": "0301"}).status_code == 422
    resp = client.post(url, headers=auth("dispatcher"), json=body)
    assert resp.status_code == 200, resp.text
    assert resp.json()["category"]["code"] == "030101"
    assert resp.json()["history"][-1]["action"] == "recategorize"


def test_labels_are_append_only(db: Session, world: World, hooked: Path) -> None:
    case = file_case(db, world.subjects["agent"])
    corrections.recategorize(db, world.subjects["dispatcher"], case.id, "010201")
    with pytest.raises(DBAPIError):
        db.execute(update(Label).values(value="010101"))
    db.rollback()


def test_unit_choices_and_closed_cases_become_labels(db: Session, world: World, hooked: Path) -> None:
    case = file_case(db, world.subjects["agent"], category_code=None)
    dispatcher = world.subjects["dispatcher"]
    workflow.perform(db, dispatcher, case.id, "dispatch", ActionIn(unit_id=world.units["zhujian"].id))
    workflow.perform(db, dispatcher, case.id, "reassign", ActionIn(unit_id=world.units["chengguan"].id))
    workflow.perform(db, world.subjects["handler"], case.id, "sign", ActionIn())
    assert [(lb.kind, lb.value, lb.source) for lb in repo.labels_of_case(db, case.id)] == [
        ("unit", str(world.units["zhujian"].id), "dispatcher_correction"),
        ("unit", str(world.units["chengguan"].id), "dispatcher_correction"),
    ]
    corrections.recategorize(db, dispatcher, case.id, "030101")
    finish_and_close(db, case.id)
    closed = [(lb.kind, lb.value) for lb in repo.labels_of_case(db, case.id) if lb.source == "closed_case"]
    assert closed == [("unit", str(world.units["chengguan"].id)), ("category", "030101")]


def finish_and_close(session: Session, case_id: int) -> None:
    """Complete, verify, revisit and close a case that is being handled."""
    for action, body in [("complete", ActionIn(reply="已处理完毕，现场已清理")), ("verify", ActionIn(passed=True)),
                         ("revisit", ActionIn(satisfaction="satisfied")), ("close", ActionIn())]:
        workflow.perform(session, SYSTEM, case_id, action, body)


def _history(db: Session, world: World) -> None:
    # Two places per phrase: 32 finished cases, routed and verified through the real workflow.
    for code, phrases in PHRASES.items():
        for phrase in phrases:
            for place in PLACES[:2]:
                case = file_case(db, world.subjects["agent"], category_code=code, title=f"{place}{phrase}",
                                 content=f"{place}附近{phrase}，请尽快处理。")
                finish(db, case)


def test_retrain_folds_corrections_in(db: Session, world: World, hooked: Path) -> None:
    _history(db, world)
    # A wrongly filed case, still open, corrected by the dispatcher.
    wrong = file_case(db, world.subjects["agent"], category_code="010101", title=CONFIDENT_TEXT[0],
                      content=CONFIDENT_TEXT[1])
    corrections.recategorize(db, world.subjects["dispatcher"], wrong.id, "030101")
    version = registry.retrain(db, world.subjects["admin"], "category", holdout=0.0)
    assert version.is_active
    assert version.n_train == 33
    assert version.training == {"source": "database", "n_cases": 32, "n_labels": 1, "n_corrections": 1,
                                "n_file_rows": 0, "n_dropped": 0}
    meta = json.loads((registry.resolve(version.path) / "metadata.json").read_text(encoding="utf-8"))
    assert (meta["n_corrections"], meta["n_train"], meta["kind"]) == (1, 33, "category")
    assert registry.resolve(version.path).parent == hooked
    active = registry.active_model(db, "category")
    assert active is not None
    assert active.classifier.suggest(CONFIDENT_TEXT[1], 1)[0].label == "030101"


def test_retrain_a_unit_model_from_history(db: Session, world: World, hooked: Path) -> None:
    _history(db, world)
    version = registry.retrain(db, SYSTEM, "unit", holdout=0.0, activate_new=False)
    assert not version.is_active
    assert sorted(version.labels) == sorted({str(world.units[u].id) for u in ("street", "chengguan", "zhujian")})


def test_retrain_keeps_the_files_the_active_model_learnt_from(db: Session, world: World, hooked: Path) -> None:
    texts, labels = labelled(places=2)
    data = hooked.parent / "history.csv"
    with data.open("w", newline="", encoding="utf-8") as fh:
        csv.writer(fh).writerows([("title", "body", "leaf"), *((t, "", y) for t, y in zip(texts, labels, strict=True)),
                                  ("某事", "", "not-a-leaf")])
    args = ["train", "--data", str(data), "--text-cols", "title,body", "--label-col", "leaf",
            "--out", str(hooked / "from-file"), "--holdout", "0"]
    trained = CliRunner().invoke(intel_app, args)
    assert trained.exit_code == 0, trained.output
    registry.activate(db, SYSTEM, registry.register(db, SYSTEM, hooked / "from-file", "category").id)
    case = file_case(db, world.subjects["agent"], category_code="010101", title=CONFIDENT_TEXT[0],
                     content=CONFIDENT_TEXT[1])
    corrections.recategorize(db, world.subjects["dispatcher"], case.id, "030101")
    version = registry.retrain(db, SYSTEM, "category", holdout=0.0)
    assert version.n_train == len(texts) + 1
    assert (version.training["n_file_rows"], version.training["n_corrections"]) == (len(texts), 1)
    assert version.training["n_dropped"] == 1
    assert version.training["sources"] == [str(data)]
    with pytest.raises(ValidationFailed):  # the database alone holds one label: the files made the model
        registry.retrain(db, SYSTEM, "category", holdout=0.0, include_files=False)


def test_retrain_needs_two_labels(db: Session, world: World, hooked: Path) -> None:
    with pytest.raises(ValidationFailed):
        registry.retrain(db, SYSTEM, "category")
    with pytest.raises(Forbidden):
        registry.retrain(db, world.subjects["dispatcher"], "category")
