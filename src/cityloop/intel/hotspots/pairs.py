"""Candidate pairs for hot issues (per key, inside sliding time windows), pair cosines and time-local cuts."""

from __future__ import annotations

from collections.abc import Callable, Hashable, Sequence

import numpy as np
from scipy import sparse
from scipy.sparse.csgraph import connected_components


def flatten(keys: Sequence[Sequence[Hashable]]) -> tuple[np.ndarray, np.ndarray]:
    """Return (key id, message index) for every key of every message."""
    ids: dict[Hashable, int] = {}
    kid = [ids.setdefault(k, len(ids)) for ks in keys for k in ks]
    msg = np.repeat(np.arange(len(keys), dtype=np.int64), [len(ks) for ks in keys])
    return np.asarray(kid, dtype=np.int64), msg


def window_pairs(
    kid: np.ndarray, msg: np.ndarray, days: np.ndarray, window: float, max_posting: int, max_partners: int
) -> np.ndarray:
    """Return distinct pairs (i < j, shape (m, 2)) of messages sharing a key at most `window` days apart.

    A key carried by more than `max_posting` messages within `window` days of a message is too generic there, and
    each message is paired with at most `max_partners` later messages per key (the nearest in time), so the
    number of pairs grows linearly with the number of messages however often a place is named.
    """
    if not len(msg):
        return np.empty((0, 2), dtype=np.int64)
    order = np.lexsort((days[msg], kid))
    kid, msg = kid[order], msg[order]
    pos = _timeline(kid, days[msg], window)
    dense = np.searchsorted(pos, pos + window, side="right") - np.searchsorted(pos, pos - window, side="left")
    msg, pos = msg[dense <= max_posting], pos[dense <= max_posting]
    count = np.minimum(np.searchsorted(pos, pos + window, side="right") - np.arange(len(pos)) - 1, max_partners)
    left = np.repeat(np.arange(len(pos)), count)
    right = left + 1 + np.arange(len(left)) - np.repeat(np.cumsum(count) - count, count)
    a, b = msg[left], msg[right]
    return distinct(np.minimum(a, b), np.maximum(a, b))


def _timeline(kid: np.ndarray, days: np.ndarray, window: float) -> np.ndarray:
    """Lay every key's messages on one sorted axis, keys further apart than any window (one searchsorted for all)."""
    start = float(days.min())
    stride = float(days.max()) - start + 2 * window + 1.0
    return kid * stride + (days - start)


def distinct(i: np.ndarray, j: np.ndarray) -> np.ndarray:
    """Return the distinct (i, j) rows, sorted."""
    if not len(i):
        return np.empty((0, 2), dtype=np.int64)
    n = int(max(i.max(), j.max())) + 1
    codes = np.sort(i * n + j)  # not np.unique: numpy ≥ 2.3 hashes there, several times slower on int64 codes
    codes = codes[np.r_[True, codes[1:] != codes[:-1]]]
    return np.stack([codes // n, codes % n], axis=1)


def minus(pairs: np.ndarray, other: np.ndarray) -> np.ndarray:
    """Return the rows of `pairs` that are not rows of `other`."""
    if not len(pairs) or not len(other):
        return pairs
    n = int(max(pairs.max(), other.max())) + 1
    codes, known = pairs[:, 0] * n + pairs[:, 1], other[:, 0] * n + other[:, 1]
    # Both come sorted from distinct(): a binary search beats np.isin, which hashes.
    at = np.minimum(np.searchsorted(known, codes), len(known) - 1)
    return pairs[known[at] != codes]


def pair_cosine(x: sparse.csr_matrix, pairs: np.ndarray, chunk: int = 20_000) -> np.ndarray:
    """Return the cosine of each pair of rows (rows of x are L2-normalised), a chunk of pairs at a time."""
    out = np.empty(len(pairs), dtype=np.float32)
    for lo in range(0, len(pairs), chunk):
        part = pairs[lo : lo + chunk]
        out[lo : lo + chunk] = np.asarray(x[part[:, 0]].multiply(x[part[:, 1]]).sum(axis=1)).ravel()
    return out


def components(n: int, links: np.ndarray) -> np.ndarray:
    """Return the component label of each of n nodes given undirected links (labels in order of first node)."""
    graph = sparse.coo_matrix((np.ones(len(links), dtype=np.int8), (links[:, 0], links[:, 1])), shape=(n, n))
    return connected_components(graph, directed=False)[1]


def unjoined(pairs: np.ndarray, labels: np.ndarray) -> np.ndarray:
    """Return the pairs whose ends are in different components (the others cannot change the clustering)."""
    return pairs[labels[pairs[:, 0]] != labels[pairs[:, 1]]]


def by_pair_class(pairs: np.ndarray, cls: np.ndarray, test: Callable[[int, int], bool]) -> np.ndarray:
    """Return test(cls[i], cls[j]) for each pair, calling `test` once per distinct (class, class) combination."""
    if not len(pairs):
        return np.zeros(0, dtype=bool)
    m = int(cls.max()) + 1
    codes, inverse = np.unique(cls[pairs[:, 0]] * m + cls[pairs[:, 1]], return_inverse=True)
    verdict = np.fromiter((test(int(c // m), int(c % m)) for c in codes), dtype=bool, count=len(codes))
    return verdict[inverse.ravel()]


def time_pieces(members: np.ndarray, days: np.ndarray, max_span: float, max_size: int) -> list[np.ndarray]:
    """Cut a group at its widest quiet gaps until every piece spans at most max_span days and max_size messages."""
    todo = [members[np.argsort(days[members], kind="stable")]]
    done: list[np.ndarray] = []
    while todo:
        piece = todo.pop()
        t = days[piece]
        if len(piece) < 2 or (t[-1] - t[0] <= max_span and len(piece) <= max_size):
            done.append(np.sort(piece))
            continue
        cut = _widest_gap(t, by_time=t[-1] - t[0] > max_span)
        todo += [piece[cut:], piece[:cut]]
    return done


def _widest_gap(t: np.ndarray, by_time: bool) -> int:
    """Return the index after the widest gap in the middle half (of the span, or of the count), so cuts halve."""
    gaps = np.diff(t)
    if by_time:
        mid = (t[:-1] + t[1:]) / 2
        inner = (mid >= t[0] + (t[-1] - t[0]) / 4) & (mid <= t[-1] - (t[-1] - t[0]) / 4)
    else:
        rank = np.arange(len(gaps))
        inner = (rank >= len(t) // 4 - 1) & (rank <= len(t) - len(t) // 4 - 1)
    # A gap inside the middle half always exists: its midpoint lies in some gap.
    return int(np.argmax(np.where(inner, gaps, -1.0))) + 1
