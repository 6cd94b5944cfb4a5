"""Hot-issue building blocks: time-sliced candidate pairs, pair classes, time cuts, hashed TF-IDF, place runs."""

from __future__ import annotations

import re
from datetime import datetime

import numpy as np
from hypothesis import given
from hypothesis import strategies as st

from cityloop.intel.hotspots import cluster as hs
from cityloop.intel.hotspots import pairs as hp
from cityloop.intel.hotspots import vectors as hv

T0 = datetime(2024, 6, 1, 9, 0)


def _pairs(keys: list[list[str]], days: list[float], **kw: int) -> set[tuple[int, int]]:
    args = {"window": 10.0, "max_posting": 400, "max_partners": 50} | kw
    out = hp.window_pairs(*hp.flatten(keys), np.asarray(days, dtype=float), **args)
    return {(int(i), int(j)) for i, j in out}


def test_pairs_share_a_key_and_a_window() -> None:
    keys = [["a"], ["a"], ["b"], ["a", "b"], ["a"]]
    days = [0.0, 5.0, 6.0, 9.0, 30.0]
    assert _pairs(keys, days) == {(0, 1), (0, 3), (1, 3), (2, 3)}


def test_each_message_meets_only_its_nearest_later_partners() -> None:
    keys = [["a"]] * 6
    assert _pairs(keys, [0, 1, 2, 3, 4, 5], max_partners=2) == {(0, 1), (0, 2), (1, 2), (1, 3), (2, 3), (2, 4),
                                                                 (3, 4), (3, 5), (4, 5)}


def test_a_key_dense_in_time_is_generic_there_only() -> None:
    # Ten messages within a day name "x": too generic with max_posting 5; two others, months later, still pair.
    keys = [["x"]] * 12
    days = [i / 10 for i in range(10)] + [100.0, 101.0]
    assert _pairs(keys, days, max_posting=5) == {(10, 11)}


def test_pairs_grow_linearly_with_messages_on_one_key() -> None:
    for n in (500, 2000):
        pairs = _pairs([["a"]] * n, [i / 10 for i in range(n)], window=120.0, max_posting=10**6, max_partners=20)
        assert len(pairs) == sum(min(20, n - 1 - i) for i in range(n))


def test_minus_and_distinct() -> None:
    a = hp.distinct(np.array([3, 1, 1, 0]), np.array([4, 2, 2, 5]))
    assert a.tolist() == [[0, 5], [1, 2], [3, 4]]
    assert hp.minus(a, hp.distinct(np.array([1]), np.array([2]))).tolist() == [[0, 5], [3, 4]]


def test_pair_classes_are_tested_once_per_distinct_combination() -> None:
    calls: list[tuple[int, int]] = []

    def test(a: int, b: int) -> bool:
        calls.append((a, b))
        return a == b

    pairs = np.array([[0, 1], [2, 3], [0, 2], [1, 3]])
    cls = np.array([7, 7, 9, 7])
    assert hp.by_pair_class(pairs, cls, test).tolist() == [True, False, False, True]
    assert sorted(calls) == [(7, 7), (7, 9), (9, 7)]


def test_components_and_unjoined() -> None:
    labels = hp.components(5, np.array([[0, 2], [2, 4]]))
    assert labels[0] == labels[2] == labels[4] != labels[1]
    assert hp.unjoined(np.array([[0, 4], [1, 3]]), labels).tolist() == [[1, 3]]


@given(st.lists(st.floats(0, 2000), min_size=1, max_size=300), st.integers(2, 60))
def test_time_pieces_bound_span_and_size_and_keep_everyone(days: list[float], max_size: int) -> None:
    t = np.asarray(days)
    pieces = hp.time_pieces(np.arange(len(t)), t, 120.0, max_size)
    assert sorted(np.concatenate(pieces).tolist()) == list(range(len(t)))
    assert all(len(p) <= max_size and np.ptp(t[p]) <= 120.0 for p in pieces)


def test_time_pieces_cut_at_the_quiet_gap() -> None:
    t = np.array([0.0, 3, 5, 9, 200, 204, 210])
    assert [p.tolist() for p in sorted(hp.time_pieces(np.arange(7), t, 100.0, 50), key=len)] == [[4, 5, 6],
                                                                                                 [0, 1, 2, 3]]


def test_ngram_counts_and_tfidf() -> None:
    counts = hv.ngram_counts(["abab", "ab", ""])
    assert counts.shape[0] == 3
    assert sorted(counts[0].data.tolist()) == [1.0, 1.0, 1.0, 2.0]  # ab×2, ba, aba, bab
    assert counts[2].nnz == 0
    x = hv.tfidf(hv.ngram_counts(["丽发新城搅拌站噪音", "丽发新城搅拌站噪音", "公积金贷款额度"]), 0.2)
    gram = hv.gram(x)
    assert np.allclose(np.diag(gram), 1.0, atol=1e-5)
    assert gram[0, 1] > 0.99
    assert gram[0, 2] < 0.01


def test_hashed_cosines_match_exact_tfidf() -> None:
    from sklearn.feature_extraction.text import TfidfVectorizer

    places, problems = ("丽发新城搅拌站", "魅力之城油烟", "润芳园油烟直排"), ("噪音扰民", "请尽快处理", "严重")
    docs = [a + b for a in places for b in problems]
    exact = TfidfVectorizer(analyzer="char", ngram_range=(2, 3), sublinear_tf=True).fit_transform(docs)
    ours = hv.gram(hv.tfidf(hv.ngram_counts(docs), 1.0))
    assert np.allclose(ours, (exact @ exact.T).toarray(), atol=1e-4)


_REFERENCE = re.compile(
    rf"[\u4e00-\u9fffA-Za-z0-9]{{1,14}}?(?:{'|'.join(sorted(hs._PLACE_SUFFIXES.split('|'), key=len, reverse=True))})"
)


@given(st.text(alphabet="小区花园路街道城新村公司A3号线伊景滨河苑丽发魅力之市的", max_size=60))
def test_place_runs_are_the_regex_matches(clause: str) -> None:
    clause = re.sub(r"[的]", "", clause)  # clauses never hold function characters
    assert hs._place_runs(clause) == [m.group(0) for m in _REFERENCE.finditer(clause)]


def test_title_terms_are_the_rarest_four_grams_with_string_ties() -> None:
    titles = ["丽发新城搅拌站", "丽发新城噪音", "魅力之城油烟"]
    term, msg = hs._title_terms(titles, 2)
    by_msg: dict[int, list[int]] = {}
    for t, m in zip(term.tolist(), msg.tolist(), strict=True):
        by_msg.setdefault(m, []).append(t)
    grams = [{t[i : i + 4] for i in range(len(t) - 3)} for t in titles]
    df = {g: sum(g in gs for gs in grams) for gs in grams for g in gs}
    expected = [sorted(gs, key=lambda g: (df[g], g))[:2] for gs in grams]
    # Same message → same number of terms, and shared terms exactly where the expected grams are shared.
    assert [len(by_msg[m]) for m in range(3)] == [len(e) for e in expected]
    shared = {(a, b) for a in range(3) for b in range(3) if a < b and set(by_msg[a]) & set(by_msg[b])}
    assert shared == {(a, b) for a in range(3) for b in range(3) if a < b and set(expected[a]) & set(expected[b])}


def test_texts_without_ngrams_give_empty_rows_and_singletons() -> None:
    assert hv.ngram_counts(["", "a"]).nnz == 0
    msgs = [hs.Message(str(i), "", "", T0) for i in range(3)]
    assert hs.cluster(msgs, hs.HotspotParams(standardise=False)) == [[0], [1], [2]]
