"""Live duplicate screening at intake: evidence, repeat callers, strict auto-merge, and the event-feed catch-up."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from builders import file_case
from cityloop.cases.models import CaseEvent
from cityloop.cases.schemas import ActionIn
from cityloop.cases.states import State
from cityloop.cases.workflow import perform
from cityloop.config import get_settings
from cityloop.intel.dedup import live
from cityloop.kit.clock import utcnow

NOISE = {"title": "夜间施工噪音扰民", "content": "西湖区北山街道工地每晚十一点后还在打桩，噪音很大，居民无法休息。",
         "reporter": {"name": "李四", "phone": "13900000001"}}
SAME_NOISE = {**NOISE, "reporter": {"name": "王五", "phone": "13900000002"}}
OTHER = {"title": "路灯损坏", "content": "保俶路公交站旁边的路灯已经坏了一个星期，晚上很黑。",
         "reporter": {"name": "赵六", "phone": "13900000003"}}


@pytest.fixture
def hooks(monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    """Screening and auto-merge plugged into intake; `auto(True)` switches auto-merge on."""
    live.register()

    def auto(on: bool) -> None:
        monkeypatch.setenv("CITYLOOP_DEDUP_AUTO_MERGE", "true" if on else "false")
        get_settings.cache_clear()

    try:
        yield auto
    finally:
        live.unregister()
        live.reset()
        get_settings.cache_clear()


def test_a_new_case_carries_its_duplicate_candidates_with_evidence(db: Session, world: Any, hooks: Any) -> None:
    agent = world.subjects["agent"]
    first = file_case(db, agent, **NOISE)
    unrelated = file_case(db, agent, **OTHER)
    second = file_case(db, agent, **SAME_NOISE)
    assert "duplicates" not in unrelated.suggestions
    (candidate,) = second.suggestions["duplicates"]
    assert candidate["case_id"] == first.id
    assert candidate["similarity"] >= 0.85
    assert candidate["same_caller"] is False
    assert candidate["hours_apart"] == 0
    assert second.state != State.MERGED  # auto-merge is off here: the dispatcher decides


def test_repeat_callers_are_flagged_whatever_they_write(db: Session, world: Any, hooks: Any) -> None:
    agent = world.subjects["agent"]
    first = file_case(db, agent, **NOISE)
    again = file_case(db, agent, **{**OTHER, "reporter": NOISE["reporter"]})
    assert again.suggestions["repeat_caller_ids"] == [first.id]


def test_a_sure_duplicate_is_merged_automatically_and_the_history_says_so(db: Session, world: Any,
                                                                          hooks: Any) -> None:
    hooks(True)
    agent = world.subjects["agent"]
    first = file_case(db, agent, **NOISE)
    second = file_case(db, agent, **SAME_NOISE)
    assert (second.state, second.merged_into_id) == (State.MERGED, first.id)
    event = db.scalars(select(CaseEvent).where(CaseEvent.case_id == second.id, CaseEvent.action == "merge")).one()
    assert (event.actor_kind, event.to_state) == ("system", State.MERGED)
    assert str(first.id) in event.note
    # Merely similar texts are only suggested.
    looser = file_case(db, agent, title="工地夜间施工", content="北山街道工地晚上打桩太吵了，希望管一管。")
    assert looser.state != State.MERGED


def test_back_filled_old_cases_are_never_merged_automatically(db: Session, world: Any, hooks: Any) -> None:
    hooks(True)
    admin = world.subjects["admin"]
    first = file_case(db, admin, **NOISE)
    old = file_case(db, admin, **SAME_NOISE, received_at=(utcnow() - timedelta(days=2)).isoformat())
    assert old.state != State.MERGED
    assert old.suggestions["duplicates"][0]["case_id"] == first.id


def test_the_index_follows_cases_filed_and_closed_elsewhere(db: Session, world: Any, hooks: Any) -> None:
    agent, dispatcher = world.subjects["agent"], world.subjects["dispatcher"]
    index = live.index(db)
    live.unregister()  # as if another process filed it: this process's index is not told directly
    elsewhere = file_case(db, agent, **NOISE, category_code=None)  # unrouted: waits in the queue
    assert elsewhere.id not in index
    assert live.index(db, fresh=True) is index  # caught up from the event feed, not rebuilt
    assert elsewhere.id in index
    perform(db, dispatcher, elsewhere.id, "invalidate", ActionIn(note="重复测试"))
    live.index(db, fresh=True)
    assert elsewhere.id not in index


def test_an_emptied_event_table_rebuilds_the_index(db: Session, world: Any, hooks: Any) -> None:
    file_case(db, world.subjects["agent"], **NOISE)
    index = live.index(db)
    live._live.event_mark += 1000  # type: ignore[union-attr]  # the feed now looks shorter than what was read
    assert live.index(db, fresh=True) is not index


def test_thresholds_can_be_tuned_per_category_prefix(db: Session, world: Any, hooks: Any,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    # The builders' cases are in category 010101: a prefix "01" rule with an unreachable threshold silences them.
    strict = '{"01": {"suggest_threshold": 1.01, "auto_merge_threshold": 1.01}}'
    monkeypatch.setenv("CITYLOOP_DEDUP_CATEGORY_PARAMS", strict)
    get_settings.cache_clear()
    agent = world.subjects["agent"]
    file_case(db, agent, **NOISE)
    assert "duplicates" not in file_case(db, agent, **SAME_NOISE).suggestions
    assert live.index(db).params_for("010101").suggest_threshold == pytest.approx(1.01)
    assert live.index(db).params_for("020101").suggest_threshold == pytest.approx(0.5)


def test_screening_can_be_switched_off(db: Session, world: Any, hooks: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CITYLOOP_DEDUP_SCREENING", "false")
    get_settings.cache_clear()
    agent = world.subjects["agent"]
    file_case(db, agent, **NOISE)
    assert "duplicates" not in file_case(db, agent, **SAME_NOISE).suggestions


def test_an_event_committed_late_below_the_mark_is_still_applied(db: Session, world: Any, hooks: Any) -> None:
    agent = world.subjects["agent"]
    index = live.index(db, fresh=True)
    live.unregister()
    late = file_case(db, agent, **NOISE, category_code=None)
    # As if the mark had already moved past this case's events while their transaction was still committing.
    live._live.event_mark = live._last_event_id(db)  # type: ignore[union-attr]
    assert late.id not in index
    assert live.index(db, fresh=True) is index
    assert late.id in index
