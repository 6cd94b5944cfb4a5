"""Chinese full-text search: the bigram index finds exactly what a substring search finds, ranked on PostgreSQL."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select
from sqlalchemy.orm import Session

from builders import World, file_case
from cityloop.cases.fulltext.grams import grams, phrases
from cityloop.cases.fulltext.index import matches
from cityloop.cases.models import Case
from cityloop.cases.repository import scoped_cases
from cityloop.cases.search import repository as search_repo
from cityloop.cases.search.repository import by_words
from cityloop.kit.auth import SYSTEM

HANZI = "占道经营噪音扰民井盖缺失垃圾清运小区门口夜间施工"


def test_grams_pair_chinese_and_keep_latin_words() -> None:
    assert grams("小区门口 WiFi 5G") == "小区 区门 门口 wifi 5g"
    assert grams("井") == "井"
    assert phrases("占道经营 噪音") == [["占道", "道经", "经营"], ["噪音"]]


def _found(db: Session, query: str) -> set[int]:
    found = matches(query, db.get_bind().dialect.name)
    assert found is not None
    return set(db.scalars(scoped_cases(SYSTEM).where(found[0]).with_only_columns(Case.id)))


def _substring(db: Session, words: list[str]) -> set[int]:
    stmt = scoped_cases(SYSTEM).with_only_columns(Case.id)
    for word in words:
        stmt = stmt.where(Case.title.contains(word) | Case.content.contains(word))
    return set(db.scalars(stmt))


@settings(max_examples=15, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(data=st.data())
def test_the_index_finds_what_a_substring_search_finds(db: Session, world: World, data: st.DataObject) -> None:
    texts = data.draw(st.lists(st.text(alphabet=HANZI, min_size=4, max_size=12), min_size=3, max_size=6), label="t")
    for text in texts:
        file_case(db, world.subjects["agent"], title=text[:6] or "无题", content=text + "，请处理。")
    source = data.draw(st.sampled_from(texts), label="from")
    start = data.draw(st.integers(0, len(source) - 2), label="start")
    word = source[start:start + data.draw(st.integers(2, 4), label="length")]
    assert _found(db, word) == _substring(db, [word])


def test_words_must_all_be_present_and_single_characters_work(db: Session, world: World) -> None:
    a = file_case(db, world.subjects["agent"], title="夜间施工噪音", content="工地夜间施工，噪音扰民。")
    b = file_case(db, world.subjects["agent"], title="井盖缺失", content="路口井盖缺失，很危险。")
    assert _found(db, "施工 噪音") == {a.id}
    assert _found(db, "井") == {b.id}
    assert _found(db, "噪音 井盖") == set()


def test_search_orders_by_relevance_then_time(db: Session, world: World) -> None:
    once = file_case(db, world.subjects["agent"], title="反映问题", content="门口有噪音。")
    many = file_case(db, world.subjects["agent"], title="噪音噪音", content="噪音太大，夜间噪音不停。")
    ids = [c.id for c in by_words(db, SYSTEM, ["噪音"], 10)]
    assert set(ids) == {once.id, many.id}
    assert ids[0] == many.id  # PostgreSQL ranks it first by ts_rank; SQLite by time (it was filed later)


def test_an_edited_text_is_reindexed(db: Session, world: World) -> None:
    case = file_case(db, world.subjects["agent"], title="路灯不亮", content="小区路灯坏了。")
    case.content = "小区路灯坏了，井盖也松动。"
    db.commit()
    assert case.id in _found(db, "井盖")
    stored = db.scalar(select(Case.search_grams).where(Case.id == case.id))
    assert stored is not None
    assert "井盖" in stored.split()


def test_latin_words_match_whatever_their_case(db: Session, world: World) -> None:
    case = file_case(db, world.subjects["agent"], title="小区WiFi信号差", content="小区公共WiFi经常断线。")
    assert case.id in _found(db, "wifi")


@settings(max_examples=10, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(data=st.data())
def test_walking_the_newest_cases_finds_only_real_matches_and_the_index_the_rest(
        db: Session, world: World, data: st.DataObject, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(search_repo, "RECENT_WALK", 2)  # the newest two cases are walked, older ones need the index
    monkeypatch.setattr(search_repo, "_horizons", {})  # this test's horizons stay in this test
    texts = data.draw(st.lists(st.text(alphabet=HANZI, min_size=4, max_size=10), min_size=4, max_size=8), label="t")
    for text in texts:
        file_case(db, world.subjects["agent"], title=text[:6], content=text)
    word = data.draw(st.sampled_from(texts), label="from")[:2]
    limit = data.draw(st.integers(1, 4), label="limit")
    search_repo._horizons.clear()
    found = [c.id for c in by_words(db, SYSTEM, [word], limit)]
    every = _substring(db, [word])
    assert set(found) <= every
    assert len(found) == min(limit, len(every))
