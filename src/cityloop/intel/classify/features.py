"""Vectorised n-gram TF-IDF for the classifier: sklearn's TfidfVectorizer weights, numpy instead of Python loops.

sklearn's CountVectorizer builds every n-gram string and looks it up in a dict, one Python step per n-gram,
which was half of the intake time. Here each n-gram becomes an int64 key computed with numpy on the whole
batch at once (char n-grams from Unicode code points, word n-grams from token ids), and the vocabulary is a
sorted key array searched with `np.searchsorted`. The weights are those of `TfidfVectorizer(sublinear_tf=True,
smooth_idf=True, norm="l2")`; tests compare both on the same documents.
"""

from __future__ import annotations

from collections.abc import Sequence
from itertools import repeat
from typing import Any

import numpy as np
import scipy.sparse as sp
from sklearn.base import BaseEstimator, TransformerMixin

_SEP = "\x00"
# Transform codes key * len(batch) + row must stay below this (int64 with a bit to spare).
KEY_LIMIT = 2**62


def _ends(lengths: list[int]) -> np.ndarray:
    # Each document is followed by one separator id 0: these are the separators' positions.
    return np.cumsum(np.asarray(lengths, dtype=np.int64) + 1) - 1


def char_ids(docs: Sequence[str], alphabet: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Return (char ids of all documents without spaces, each ended by a 0; positions of those 0s)."""
    texts = [d.replace(" ", "").replace(_SEP, "") for d in docs]
    codes = np.frombuffer((_SEP.join(texts) + _SEP).encode("utf-32-le"), dtype=np.uint32)
    ids = np.searchsorted(alphabet, codes) + 1
    ids[ids > len(alphabet)] = 0
    ids[alphabet[ids - 1] != codes] = 0  # unknown chars (and the separators) get id 0
    return ids.astype(np.int64), _ends([len(t) for t in texts])


def word_ids(docs: Sequence[str], lexicon: dict[str, int]) -> tuple[np.ndarray, np.ndarray]:
    """Return (token ids of all documents, each ended by a 0; positions of those 0s); unknown tokens are 0."""
    token_lists = [d.split() for d in docs]
    tokens = [t for toks in token_lists for t in [*toks, _SEP]]
    ids = np.fromiter(map(lexicon.get, tokens, repeat(0)), dtype=np.int64, count=len(tokens))
    return ids, _ends([len(t) for t in token_lists])


def ngram_keys(ids: np.ndarray, n_min: int, n_max: int, base: int) -> tuple[np.ndarray, np.ndarray]:
    """Return (key, start position) of every n-gram of ids that holds no 0 (document end or unknown unit)."""
    keys, starts = [], []
    valid = ids != 0
    for n in range(n_min, n_max + 1):
        m = len(ids) - n + 1
        if m <= 0:
            break
        key = ids[:m].copy()
        ok = valid[:m].copy()
        for k in range(1, n):
            # Ids are >= 1 and < base, so keys of different n never collide (fit checks base**n_max < 2**63).
            key = key * base + ids[k : k + m]
            ok &= valid[k : k + m]
        pos = np.flatnonzero(ok)
        keys.append(key[pos])
        starts.append(pos)
    if not keys:
        return np.zeros(0, np.int64), np.zeros(0, np.int64)
    return np.concatenate(keys), np.concatenate(starts)


class NgramTfidf(TransformerMixin, BaseEstimator):
    """Char or word n-gram TF-IDF of space-joined tokens (word: the tokens; char: the text without spaces)."""

    def __init__(
        self,
        analyzer: str = "char",
        ngram_range: tuple[int, int] = (1, 3),
        min_df: int = 1,
        max_features: int | None = None,
        sublinear_tf: bool = True,
        dtype: Any = np.float32,
    ) -> None:
        self.analyzer = analyzer
        self.ngram_range = ngram_range
        self.min_df = min_df
        self.max_features = max_features
        self.sublinear_tf = sublinear_tf
        self.dtype = dtype

    def _ids(self, docs: Sequence[str]) -> tuple[np.ndarray, np.ndarray]:
        if self.analyzer == "char":
            return char_ids(docs, self.alphabet_)
        return word_ids(docs, self.lexicon_)

    def _base(self) -> int:
        return len(self.alphabet_) + 1 if self.analyzer == "char" else len(self.lexicon_) + 1

    def _pairs(self, docs: Sequence[str]) -> tuple[np.ndarray, np.ndarray]:
        ids, ends = self._ids(docs)
        keys, starts = ngram_keys(ids, *self.ngram_range, self._base())
        return np.searchsorted(ends, starts), keys

    def _fit_units(self, docs: Sequence[str]) -> None:
        # Units (chars or words) get dense ids from 1, so that an n-gram's key is exact and fits in int64.
        if self.analyzer not in ("char", "word"):
            raise ValueError(f"analyzer must be 'char' or 'word', not {self.analyzer!r}")
        self.alphabet_ = np.zeros(0, np.uint32)
        self.lexicon_: dict[str, int] = {}
        if self.analyzer == "char":
            codes = np.frombuffer("".join(docs).replace(" ", "").encode("utf-32-le"), dtype=np.uint32)
            self.alphabet_ = np.unique(codes)
        else:
            # A word n-gram kept by min_df has words that are each kept by min_df: rarer words need no id.
            df: dict[str, int] = {}
            for doc in docs:
                for tok in set(doc.split()):
                    df[tok] = df.get(tok, 0) + 1
            kept = sorted(t for t, c in df.items() if c >= self.min_df)
            self.lexicon_ = {t: i for i, t in enumerate(kept, start=1)}
        if float(self._base()) ** self.ngram_range[1] >= 2.0**63:
            raise ValueError("n-gram keys would overflow int64: lower ngram_range or raise min_df")

    def fit(self, docs: Sequence[str], y: Any = None) -> NgramTfidf:
        """Learn the vocabulary (min_df, max_features by corpus frequency) and the idf weights."""
        docs = list(docs)
        self._fit_units(docs)
        rows, keys = self._pairs(docs)
        uniq, inverse, total = np.unique(keys, return_inverse=True, return_counts=True)
        pairs = np.unique(rows * len(uniq) + inverse)
        df = np.bincount(pairs % len(uniq), minlength=len(uniq))
        keep = df >= self.min_df
        if self.max_features is not None and keep.sum() > self.max_features:
            # Like sklearn: the most frequent n-grams over the corpus (ties: the smaller key).
            order = np.flatnonzero(keep)[np.argsort(-total[keep], kind="stable")]
            keep = np.zeros_like(keep)
            keep[order[: self.max_features]] = True
        self.keys_ = uniq[keep]
        n_docs = len(docs)
        self.idf_ = (np.log((1 + n_docs) / (1 + df[keep])) + 1).astype(self.dtype)
        return self

    def transform(self, docs: Sequence[str]) -> sp.csr_matrix:
        """Return the L2-normalised TF-IDF matrix of docs (one row per document)."""
        docs = list(docs)
        # Batches are cut so that key * len(batch) + row still fits in int64 (see _transform).
        step = max(1, KEY_LIMIT // self._base() ** self.ngram_range[1])
        if len(docs) <= step:
            return self._transform(docs)
        parts = [self._transform(docs[i : i + step]) for i in range(0, len(docs), step)]
        return sp.csr_matrix(sp.vstack(parts, format="csr"))

    def _transform(self, docs: list[str]) -> sp.csr_matrix:
        rows, keys = self._pairs(docs)
        n_docs = max(len(docs), 1)
        # One plain sort of (key, row) codes gives the counts, and sorted keys make searchsorted cache-friendly.
        codes = np.sort(keys * n_docs + rows)
        starts = np.flatnonzero(np.concatenate(([True], codes[1:] != codes[:-1]))) if len(codes) else codes
        tf = np.diff(np.append(starts, len(codes)))
        key, r = np.divmod(codes[starts], n_docs)
        c = self._columns(key)
        hit = c >= 0
        r, c, tf = r[hit], c[hit], tf[hit]
        data = (1 + np.log(tf)) if self.sublinear_tf else tf.astype(np.float64)
        data *= self.idf_[c]
        norms = np.sqrt(np.bincount(r, weights=data * data, minlength=len(docs)))
        data /= np.where(norms > 0, norms, 1)[r]
        shape = (len(docs), len(self.keys_))
        return sp.csr_matrix((data.astype(self.dtype), (r, c)), shape=shape, dtype=self.dtype)

    def _columns(self, keys: np.ndarray) -> np.ndarray:
        """Return the vocabulary column of each key, -1 when it is not in the vocabulary."""
        if not len(self.keys_):
            return np.full(len(keys), -1, np.int64)
        cols = np.searchsorted(self.keys_, keys)
        cols[cols == len(self.keys_)] = 0
        cols[self.keys_[cols] != keys] = -1
        return cols

    def get_feature_names_out(self, input_features: Any = None) -> np.ndarray:
        """Return the n-gram strings in column order (words joined by a space)."""
        return np.array([self._decode(int(k)) for k in self.keys_], dtype=object)

    def _decode(self, key: int) -> str:
        base = self._base()
        parts: list[int] = []
        while key:
            key, part = divmod(key, base)
            parts.append(part)
        if self.analyzer == "char":
            return "".join(chr(int(self.alphabet_[p - 1])) for p in reversed(parts))
        words = {i: t for t, i in self.lexicon_.items()}
        return " ".join(words[p] for p in reversed(parts))
