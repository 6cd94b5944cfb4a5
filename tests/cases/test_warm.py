"""Warm start: the probe case loads intake's lazy parts, stores nothing, and never stops a worker from starting."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from builders import file_case
from cityloop.areas.divisions.gazetteer import gazetteer
from cityloop.areas.placement import locate as placement
from cityloop.cases import intake, warm
from cityloop.cases.models import Case, CaseEvent
from cityloop.config import get_settings
from cityloop.intel.dedup import live


@pytest.fixture
def hooks() -> Iterator[None]:
    """Duplicate screening and text placement plugged into intake, as the app does."""
    added = placement.place_text not in intake.locators
    placement.register()
    live.register()
    try:
        yield
    finally:
        live.unregister()
        live.reset()
        if added:
            intake.locators.remove(placement.place_text)


def _counts(db: Session) -> tuple[int, int]:
    return db.scalar(select(func.count()).select_from(Case)) or 0, \
        db.scalar(select(func.count()).select_from(CaseEvent)) or 0


def test_the_probe_loads_the_duplicate_index_and_gazetteer_and_stores_nothing(db: Session, world: Any,
                                                                              hooks: None) -> None:
    open_case = file_case(db, world.subjects["agent"], title="路灯损坏", content="保俶路公交站旁的路灯坏了一周。")
    live.reset()
    gazetteer.cache_clear()
    before = _counts(db)
    _seconds, complete = warm.warm_intake()
    assert complete
    assert gazetteer.cache_info().currsize == 1
    assert live._live is not None
    assert open_case.id in live._live.index
    db.expire_all()
    assert _counts(db) == before


def test_the_warmers_run_after_the_probe(db: Session, world: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    steps: list[str] = []
    build = intake.build
    monkeypatch.setattr(intake, "build", lambda *args: steps.append("probe") or build(*args))
    monkeypatch.setattr(intake, "warmers", [lambda: steps.append("segmenter")])
    assert warm.warm_intake()[1]
    assert steps == ["probe", "segmenter"]


def test_duplicate_screening_asks_for_the_segmenter_its_evidence_needs(hooks: None) -> None:
    from cityloop.intel.text import tokenizer

    assert tokenizer in intake.warmers
    live.unregister()
    assert tokenizer not in intake.warmers


def test_a_failing_probe_is_logged_and_the_start_goes_on(db: Session, world: Any, caplog: pytest.LogCaptureFixture,
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(*_args: Any) -> Case:
        raise RuntimeError("model file unreadable")

    loaded: list[str] = []
    monkeypatch.setattr(intake, "build", broken)
    monkeypatch.setattr(intake, "warmers", [lambda: loaded.append("segmenter")])
    with caplog.at_level(logging.WARNING, logger="cityloop.cases.warm"):
        _seconds, complete = warm.warm_intake()
    assert not complete
    assert loaded == ["segmenter"]  # the rest is still loaded
    assert "warm start incomplete" in caplog.text
    assert "model file unreadable" in caplog.text


@pytest.mark.parametrize("wanted", [True, False])
def test_the_app_warms_intake_before_serving_only_when_asked(engine: Any, monkeypatch: pytest.MonkeyPatch,
                                                             wanted: bool) -> None:
    from cityloop import app as app_module

    calls: list[str] = []
    monkeypatch.setenv("CITYLOOP_WARM_START", "true" if wanted else "false")
    get_settings.cache_clear()
    monkeypatch.setattr(app_module, "warm_intake", lambda: calls.append("warmed") or (0.1, True))
    with TestClient(app_module.create_app()) as client:
        assert calls == (["warmed"] if wanted else [])  # done during start-up, before the first request
        assert client.get("/api/v1/health").status_code == 200
    get_settings.cache_clear()
