"""NgramTfidf must weight n-grams exactly like sklearn's TfidfVectorizer, only faster."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.feature_extraction.text import TfidfVectorizer

from cityloop.intel.classify import features
from cityloop.intel.classify.features import NgramTfidf

TRAIN = [
    "小区 物业 乱 收费 停车费",
    "物业 停车费 收费 不 合理",
    "学校 补课 收费 老师",
    "学校 老师 补课 强制",
    "公交车 班次 少 出租车 拒载",
    "公交车 拒载 出租车 司机",
    "A3 区 化工厂 偷排 废气",
]
UNSEEN = ["物业 乱 收费 学校 补课", "出租车 拒载 公交车 新词", "", "完全 陌生 文字"]


def _sklearn(analyzer: str, ngram_range: tuple[int, int], min_df: int) -> TfidfVectorizer:
    if analyzer == "char":
        return TfidfVectorizer(
            analyzer="char",
            preprocessor=lambda d: d.replace(" ", ""),
            lowercase=False,
            ngram_range=ngram_range,
            min_df=min_df,
            sublinear_tf=True,
        )
    return TfidfVectorizer(
        tokenizer=str.split,
        token_pattern=None,
        lowercase=False,
        ngram_range=ngram_range,
        min_df=min_df,
        sublinear_tf=True,
    )


@pytest.mark.parametrize(
    ("analyzer", "ngram_range", "min_df"),
    [("char", (1, 3), 1), ("char", (1, 4), 2), ("char", (2, 3), 2), ("word", (1, 2), 1), ("word", (1, 3), 2)],
)
def test_matches_sklearn_tfidf(analyzer: str, ngram_range: tuple[int, int], min_df: int) -> None:
    ours = NgramTfidf(analyzer, ngram_range, min_df=min_df).fit(TRAIN)
    ref = _sklearn(analyzer, ngram_range, min_df).fit(TRAIN)
    names = list(ours.get_feature_names_out())
    assert sorted(names) == sorted(ref.get_feature_names_out())
    order = [ref.vocabulary_[n] for n in names]
    for docs in (TRAIN, UNSEEN):
        expected = ref.transform(docs).toarray()[:, order]
        np.testing.assert_allclose(ours.transform(docs).toarray(), expected, atol=1e-6)


def test_unknown_text_gives_empty_rows() -> None:
    matrix = NgramTfidf("word", (1, 2)).fit(TRAIN).transform(["", "陌生 文字"])
    assert matrix.shape[0] == 2
    assert matrix.nnz == 0


def test_max_features_keeps_most_frequent() -> None:
    vec = NgramTfidf("word", (1, 1), max_features=1).fit(TRAIN)
    assert list(vec.get_feature_names_out()) == ["收费"]


def test_batches_give_the_same_rows_as_single_documents(monkeypatch: pytest.MonkeyPatch) -> None:
    vec = NgramTfidf("char", (1, 3)).fit(TRAIN)
    single = np.vstack([vec.transform([d]).toarray() for d in UNSEEN + TRAIN])
    np.testing.assert_allclose(vec.transform(UNSEEN + TRAIN).toarray(), single, rtol=1e-6)
    # A tiny key limit forces the batch to be cut into pieces; the rows must not change.
    monkeypatch.setattr(features, "KEY_LIMIT", vec._base() ** 3 * 3)
    np.testing.assert_allclose(vec.transform(UNSEEN + TRAIN).toarray(), single, rtol=1e-6)


def test_rejects_unknown_analyzer() -> None:
    with pytest.raises(ValueError, match="analyzer"):
        NgramTfidf("bytes").fit(TRAIN)
