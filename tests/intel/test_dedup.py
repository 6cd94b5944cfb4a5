"""Near-duplicate index: candidates, decisions, evidence, incremental add/remove."""

from __future__ import annotations

from datetime import datetime, timedelta

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cityloop.intel.dedup.index import DedupParams, DuplicateIndex, clean, find_pairs
from dedup_reference import best_one_by_one

T0 = datetime(2024, 6, 3, 9, 0)
GARBAGE = "西湖区文三路12号小区门口垃圾堆放三天无人清理，臭味很大，苍蝇乱飞"
GARBAGE_AGAIN = "西湖区文三路12号小区门口垃圾堆放了三天没人清理，臭味很大苍蝇乱飞！"
BIKES = "南山区科技园地铁站B出口附近共享单车乱停放，严重影响行人通行"
NOISE = "滨江区江南大道工地夜间施工噪音扰民，凌晨两点还在打桩"
CORPUS = [GARBAGE, BIKES, NOISE, "朝阳区望京街道路灯不亮已经一周", "海淀区中关村大街人行道破损严重"]


def _index(**kw: object) -> DuplicateIndex:
    ix = DuplicateIndex(**kw)  # type: ignore[arg-type]
    ix.add(1, GARBAGE, 120.1300, 30.2800, T0, "env", "caller-a")
    ix.add(2, BIKES, 113.9500, 22.5400, T0, "traffic", "caller-b")
    ix.add(3, NOISE, 120.2100, 30.2100, T0, "env", "caller-c")
    return ix


def test_rewording_of_an_open_case_is_suggested_with_evidence() -> None:
    result = _index().query(GARBAGE_AGAIN, 120.1301, 30.2801, T0 + timedelta(hours=5), "env", "caller-z")
    assert [m.id for m in result.matches] == [1]
    match = result.matches[0]
    assert match.decision == "suggest"
    assert 0.5 <= match.similarity < 0.85
    assert match.distance_m is not None
    assert match.distance_m < 50
    assert match.hours_apart == 5.0
    assert "文三路" in match.shared_keywords
    assert not match.same_caller


def test_identical_text_nearby_and_recent_is_auto_merged() -> None:
    result = _index().query(GARBAGE, 120.1300, 30.2800, T0 + timedelta(hours=1), "env")
    assert result.auto_merge is not None
    assert result.auto_merge.id == 1


def test_distance_and_time_window_filter_per_category() -> None:
    ix = _index(per_category={"env": DedupParams(max_distance_m=100, window_hours=24)})
    far = ix.query(GARBAGE, 120.1350, 30.2800, T0, "env")  # ≈480 m
    late = ix.query(GARBAGE, 120.1300, 30.2800, T0 + timedelta(days=3), "env")
    other_category = ix.query(GARBAGE, 120.1350, 30.2800, T0, "traffic")
    assert far.matches == []
    assert late.matches == []
    assert [m.id for m in other_category.matches] == [1]


def test_far_apart_identical_text_is_only_suggested_not_merged() -> None:
    result = _index().query(GARBAGE, 120.1350, 30.2800, T0, "env")
    assert [m.decision for m in result.matches] == ["suggest"]


def test_repeat_caller_is_flagged_even_for_another_issue() -> None:
    result = _index().query("我家楼下的路灯坏了", caller="caller-a")
    assert result.repeat_caller_ids == [1]
    same = _index().query(GARBAGE_AGAIN, caller="caller-a")
    assert same.matches[0].same_caller


def test_unrelated_and_empty_texts_find_nothing() -> None:
    ix = _index()
    assert ix.query("教育局关于中考加分政策的咨询").matches == []
    assert ix.query("？？！！").matches == []


def test_remove_and_readd() -> None:
    ix = _index()
    assert ix.remove(1)
    assert not ix.remove(1)
    assert ix.query(GARBAGE).matches == []
    ix.add(1, GARBAGE)
    assert [m.id for m in ix.query(GARBAGE).matches] == [1]
    assert len(ix) == 3


def test_find_pairs_reports_later_against_earlier() -> None:
    rows = [("b", GARBAGE_AGAIN, T0 + timedelta(hours=2)), ("a", GARBAGE, T0), ("c", BIKES, T0)]
    pairs = find_pairs(rows)
    assert [(p.id, p.duplicate_of) for p in pairs] == [("b", "a")]


@settings(max_examples=25, deadline=None)
@given(st.text(alphabet="垃圾清理路灯噪音施工小区门口西湖区文三路停车单车", min_size=3, max_size=40))
def test_adding_then_removing_a_case_leaves_queries_unchanged(extra: str) -> None:
    ix = DuplicateIndex()
    for i, text in enumerate(CORPUS):
        ix.add(i, text)
    before = [ix.query(q, keywords=False) for q in CORPUS]
    ix.add("extra", extra)
    ix.remove("extra")
    assert [ix.query(q, keywords=False) for q in CORPUS] == before


@settings(max_examples=40, deadline=None)
@given(st.lists(st.tuples(st.floats(-0.03, 0.03), st.floats(-0.03, 0.03), st.floats(0, 400),
                          st.booleans(), st.booleans()), min_size=1, max_size=25))
def test_the_distance_and_time_prefilter_never_drops_a_valid_candidate(spots: list[tuple[float, float, float, bool,
                                                                                         bool]]) -> None:
    from cityloop.intel.dedup.index import _decide, haversine_m

    params = DedupParams(max_distance_m=1500, window_hours=168)
    ix = DuplicateIndex(params)
    here, now = (120.15, 30.27), T0 + timedelta(hours=200)
    expected = set()
    for i, (dx, dy, hours, has_point, has_time) in enumerate(spots):
        point = (here[0] + dx, here[1] + dy) if has_point else (None, None)
        at = T0 + timedelta(hours=hours) if has_time else None
        ix.add(i, GARBAGE, point[0], point[1], at, "env", None)
        dist = haversine_m(*here, *point) if has_point else None  # type: ignore[arg-type]
        gap = abs((now - at).total_seconds()) / 3600 if at else None
        if _decide(1.0, dist, gap, params) is not None:
            expected.add(i)
    found = {m.id for m in ix.query(GARBAGE, *here, now, "env", None, limit=100, keywords=False).matches}
    assert found == expected


_BURST_WORDS = ["井盖", "缺失", "文三路", "路口", "夜间", "危险", "积水", "垃圾", "清运", "小区", "门口", "噪音"]


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(st.lists(st.sampled_from(_BURST_WORDS), min_size=2, max_size=9),
                          st.floats(-0.004, 0.004), st.floats(0, 100), st.booleans()), min_size=1, max_size=60),
       st.lists(st.sampled_from(_BURST_WORDS), min_size=2, max_size=9), st.integers(1, 8),
       st.floats(0.5, 0.95))
def test_a_query_returns_the_best_matches_in_order_however_many_candidates_a_burst_brings(
        cases: list[tuple[list[str], float, float, bool]], words: list[str], limit: int, auto: float) -> None:
    """Bulk exact similarity and early stopping give what scoring every candidate one by one gives."""
    params = DedupParams(auto_merge_threshold=auto, auto_merge_distance_m=300, auto_merge_window_hours=48)
    ix = DuplicateIndex(params)
    for i, (parts, dx, hours, located) in enumerate(cases):
        point = (120.15 + dx, 30.27 + dx) if located else (None, None)
        ix.add(i, "".join(parts), point[0], point[1], T0 + timedelta(hours=hours), None, None)
    at = T0 + timedelta(hours=60)
    got = ix.query("".join(words), 120.15, 30.27, at, None, None, limit=limit, keywords=False).matches
    assert [(m.id, m.decision, m.similarity, m.distance_m, m.hours_apart) for m in got] == \
        best_one_by_one(ix, "".join(words), 120.15, 30.27, at, limit)


@settings(max_examples=80, deadline=None)
@given(st.lists(st.text(alphabet="井盖缺失路口危险垃圾清运小区门口", max_size=150), min_size=1, max_size=80),
       st.text(alphabet="井盖缺失路口危险垃圾清运小区门口", max_size=150))
def test_bulk_similarity_is_the_exact_jaccard_of_the_shingle_sets(texts: list[str], query: str) -> None:
    """Candidates that share shingles with each other and with the query: every value equals the set computation."""
    from cityloop.intel.dedup.index import jaccard, shingles

    ix = DuplicateIndex()
    for i, text in enumerate(texts):
        ix.add(i, text)
    slots = np.arange(len(texts), dtype=np.int32)
    got = ix._shingles.jaccard(ix.hasher.packed_shingles(query), slots)
    want = [jaccard(shingles(query), shingles(text)) for text in texts]
    assert got.tolist() == pytest.approx(want, abs=1e-12)


def test_ranking_uses_the_similarity_as_shown_even_on_a_rounding_half() -> None:
    """87/160 = 0.54375 shows as 0.5437 (Python's round); a case at 0.54378 (0.5438) must rank above it."""
    from cityloop.intel.dedup.index import clean, jaccard, shingles

    chars = [chr(0x4E00 + 3 * i) for i in range(260)]
    query = "".join(chars[:125])
    half = "".join(chars[:88] + chars[125:161])  # shares 87 of 160 bigrams
    above = "".join(chars[:119] + chars[161:254])  # shares 118 of 217 bigrams
    sims = [jaccard(shingles(clean(query)), shingles(clean(t))) for t in (half, above)]
    assert sims == [87 / 160, 118 / 217]  # the texts are what the test means
    ix = DuplicateIndex(num_perm=64, bands=64)  # one row per band: both are certain candidates
    ix.add("half", half)  # added first: a tie would put it first
    ix.add("above", above)
    got = ix.query(query, keywords=False).matches
    assert [(m.id, m.similarity) for m in got] == [("above", 0.5438), ("half", 0.5437)]


def test_compaction_keeps_the_live_cases_shingles_and_drops_the_rest() -> None:
    ix = DuplicateIndex()
    texts = [f"{CORPUS[i % len(CORPUS)]}第{i}号" for i in range(60)]
    for i, text in enumerate(texts):
        ix.add(i, text)
    for i in range(0, 60, 3):
        ix.remove(i)
    live = np.array([i for i in range(60) if i % 3], dtype=np.int32)
    mine = ix.hasher.packed_shingles(clean(texts[1]))
    before, used = ix._shingles.jaccard(mine, live), ix._shingles.used
    ix._shingles.compact(ix._alive.data)
    assert ix._shingles.jaccard(mine, live).tolist() == before.tolist()
    assert ix._shingles.used == sum(len(ix.hasher.packed_shingles(clean(texts[i]))) for i in live.tolist())
    assert ix._shingles.used < used
    assert [m.id for m in ix.query(texts[1], keywords=False, limit=3).matches][0] == 1
