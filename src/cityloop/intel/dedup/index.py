"""Near-duplicate case index: MinHash LSH over character shingles, with distance, time and caller evidence."""

from __future__ import annotations

import math
import re
from collections.abc import Hashable, Iterable, Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Literal

import numpy as np

from cityloop.intel import text as textmod

Decision = Literal["auto_merge", "suggest"]
_KEEP_RE = re.compile(r"[^\u4e00-\u9fffA-Za-z0-9]+")
_MASK64 = np.uint64(0xFFFFFFFFFFFFFFFF)
_EARTH_RADIUS_M = 6_371_008.8


@dataclass(frozen=True)
class DedupParams:
    """Thresholds of one category: text similarity, distance and time window for suggest and auto-merge."""

    suggest_threshold: float = 0.5
    auto_merge_threshold: float = 0.85
    # Distances and windows only apply when both cases carry coordinates / timestamps.
    max_distance_m: float = 1000.0
    auto_merge_distance_m: float = 200.0
    window_hours: float = 168.0
    auto_merge_window_hours: float = 72.0


@dataclass(frozen=True)
class Match:
    """One candidate duplicate with the evidence a dispatcher needs to decide."""

    id: Hashable
    decision: Decision
    similarity: float
    jaccard_estimate: float
    distance_m: float | None
    hours_apart: float | None
    same_caller: bool
    shared_keywords: tuple[str, ...] = ()


@dataclass(frozen=True)
class QueryResult:
    """Duplicate candidates of one case, best first, and other open cases from the same caller."""

    matches: list[Match]
    repeat_caller_ids: list[Hashable] = field(default_factory=list)

    @property
    def auto_merge(self) -> Match | None:
        """Return the best auto-merge match, if any."""
        return next((m for m in self.matches if m.decision == "auto_merge"), None)


def clean(text: str, max_chars: int = 500) -> str:
    """Return the normalised text keeping only CJK characters, letters and digits (the shingle source)."""
    return _KEEP_RE.sub("", textmod.normalize(text).lower())[:max_chars]


def shingles(cleaned: str, k: int = 2) -> set[str]:
    """Return the set of character k-grams of a cleaned text (the text itself if shorter)."""
    if len(cleaned) <= k:
        return {cleaned} if cleaned else set()
    return {cleaned[i : i + k] for i in range(len(cleaned) - k + 1)}


def jaccard(a: set[str], b: set[str]) -> float:
    """Return |a ∩ b| / |a ∪ b| (0 for two empty sets)."""
    union = len(a | b)
    return len(a & b) / union if union else 0.0


def haversine_m(lng1: float, lat1: float, lng2: float, lat2: float) -> float:
    """Return the great-circle distance in metres between two WGS84 points."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lng2 - lng1)
    h = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * _EARTH_RADIUS_M * math.asin(min(1.0, math.sqrt(h)))


def _mix64(x: np.ndarray) -> np.ndarray:
    """splitmix64 finaliser: spreads structured integers (code points, band sums) over 64 bits."""
    x = (x ^ (x >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
    x = (x ^ (x >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
    return x ^ (x >> np.uint64(31))


class MinHasher:
    """Vectorised MinHash (multiply-shift permutations) over character k-grams."""

    def __init__(self, num_perm: int = 64, k: int = 2, seed: int = 1) -> None:
        """Draw the permutation parameters."""
        rng = np.random.default_rng(seed)
        self.num_perm, self.k = num_perm, k
        self._a = rng.integers(1, 2**63, size=num_perm, dtype=np.uint64) * np.uint64(2) + np.uint64(1)
        self._b = rng.integers(0, 2**63, size=num_perm, dtype=np.uint64)

    def packed_shingles(self, cleaned: str) -> np.ndarray:
        """Return the distinct k-grams of a cleaned text, each packed losslessly into one integer, sorted.

        Two texts' packed sets have exactly the Jaccard similarity of their `shingles` sets (a text shorter than k
        is its own single shingle in both).
        """
        codes = np.frombuffer(cleaned.encode("utf-32-le"), dtype=np.uint32).astype(np.uint64)
        k = min(self.k, len(codes))  # a short text is one shingle of its own length
        if not k:
            return codes
        # Code points fit in 21 bits, so three of them pack losslessly into one integer.
        packed = np.zeros(len(codes) - k + 1, dtype=np.uint64)
        for j in range(k):
            packed = (packed << np.uint64(21)) | codes[j : len(codes) - k + 1 + j]
        return np.unique(packed)

    def shingle_hashes(self, cleaned: str) -> np.ndarray:
        """Return 64-bit hashes of the distinct k-grams of a cleaned text."""
        return _mix64(self.packed_shingles(cleaned))

    def signature(self, cleaned: str, packed: np.ndarray | None = None) -> np.ndarray | None:
        """Return the uint32 MinHash signature, or None for a text without shingles."""
        hashes = _mix64(self.packed_shingles(cleaned) if packed is None else packed)
        if not len(hashes):
            return None
        perm = hashes[:, None] * self._a[None, :] + self._b[None, :]
        return (perm >> np.uint64(32)).min(axis=0).astype(np.uint32)


class _Column:
    """A growable numpy array (amortised O(1) append, one row per slot)."""

    def __init__(self, dtype: type | np.dtype, width: int = 0, fill: float = 0) -> None:
        shape = (1024, width) if width else (1024,)
        self.data = np.full(shape, fill, dtype=dtype)
        self.fill = fill

    def set(self, slot: int, value: object) -> None:
        if slot >= len(self.data):
            extra = np.full((len(self.data), *self.data.shape[1:]), self.fill, dtype=self.data.dtype)
            self.data = np.concatenate([self.data, extra])
        self.data[slot] = value


class _ShingleStore:
    """Every slot's packed shingles in one flat array (start and length per slot), for exact Jaccard in bulk."""

    def __init__(self) -> None:
        self.flat = np.empty(4096, dtype=np.uint64)
        self.used = 0
        self.start = _Column(np.int64)
        self.length = _Column(np.int32)

    def set(self, slot: int, packed: np.ndarray) -> None:
        need = self.used + len(packed)
        if need > len(self.flat):
            self.flat = np.concatenate([self.flat, np.empty(max(need, len(self.flat)), dtype=np.uint64)])
        self.flat[self.used:need] = packed
        self.start.set(slot, self.used)
        self.length.set(slot, len(packed))
        self.used = need

    def jaccard(self, mine: np.ndarray, slots: np.ndarray) -> np.ndarray:
        """Exact Jaccard similarity of `mine` (sorted, distinct) with each slot's shingles, as floats."""
        lengths = self.length.data[slots].astype(np.int64)
        if not lengths.sum() or not len(mine):
            return np.zeros(len(slots))
        values = self.flat[_positions(self.start.data[slots], lengths)]
        owner = np.repeat(np.arange(len(slots)), lengths)
        # `mine` is sorted: one binary search per value (np.isin would sort everything again).
        hit = mine[np.minimum(np.searchsorted(mine, values), len(mine) - 1)] == values
        shared = np.bincount(owner[hit], minlength=len(slots))
        union = lengths + len(mine) - shared
        return np.where(union > 0, shared / np.maximum(union, 1), 0.0)

    def compact(self, alive: np.ndarray) -> None:
        """Forget the shingles of dead slots (removed cases), so the store holds live cases only."""
        slots = min(len(alive), len(self.length.data))
        lengths = np.where(alive[:slots], self.length.data[:slots], 0).astype(np.int64)
        kept = self.flat[_positions(self.start.data[:slots], lengths)]
        self.flat = np.concatenate([kept, np.empty(max(4096, len(kept)), dtype=np.uint64)])
        self.used = len(kept)
        self.start.data[:slots] = np.cumsum(lengths) - lengths
        self.length.data[:slots] = lengths


def _positions(starts: np.ndarray, lengths: np.ndarray) -> np.ndarray:
    """The flat positions of several slots' shingles, slot after slot."""
    ends = np.cumsum(lengths)
    return np.arange(int(ends[-1]) if len(ends) else 0) + np.repeat(starts - (ends - lengths), lengths)


class _BandTable:
    """LSH buckets: a sorted (band key, slot) array plus a dict of recent additions, merged geometrically."""

    def __init__(self, min_merge: int = 65_536) -> None:
        self.keys = np.empty(0, dtype=np.uint64)
        self.slots = np.empty(0, dtype=np.int32)
        self.pending: dict[int, list[int]] = {}
        self.pending_n = 0
        self.min_merge = min_merge

    def add(self, keys: np.ndarray, slot: int) -> None:
        for key in keys.tolist():
            self.pending.setdefault(key, []).append(slot)
        self.pending_n += len(keys)
        # Merging when the buffer reaches a quarter of the sorted part keeps total merge work O(N log N).
        if self.pending_n >= max(self.min_merge, len(self.keys) // 4):
            self.merge()

    def merge(self, alive: np.ndarray | None = None) -> None:
        if self.pending:
            pk = np.fromiter((k for k, v in self.pending.items() for _ in v), dtype=np.uint64, count=self.pending_n)
            ps = np.fromiter((s for v in self.pending.values() for s in v), dtype=np.int32, count=self.pending_n)
            keys, slots = np.concatenate([self.keys, pk]), np.concatenate([self.slots, ps])
        else:
            keys, slots = self.keys, self.slots
        if alive is not None:
            keep = alive[slots]
            keys, slots = keys[keep], slots[keep]
        order = np.lexsort((slots, keys))
        self.keys, self.slots = keys[order], slots[order]
        self.pending, self.pending_n = {}, 0

    def lookup(self, keys: np.ndarray, cap: int, alive: np.ndarray) -> list[np.ndarray]:
        lo = np.searchsorted(self.keys, keys, "left")
        hi = np.searchsorted(self.keys, keys, "right")
        found: list[np.ndarray] = []
        for i, key in enumerate(keys.tolist()):
            hits = self.slots[lo[i] : hi[i]]
            extra = self.pending.get(key)
            if extra:
                hits = np.concatenate([hits, np.asarray(extra, dtype=np.int32)])
            if len(hits):
                hits = hits[alive[hits]]
                # Generic texts fill a few buckets with thousands of cases: keep the most recent ones.
                found.append(hits[-cap:])
        return found


class DuplicateIndex:
    """Incremental near-duplicate index over cases (text, place, time, category, caller)."""

    def __init__(
        self,
        params: DedupParams | None = None,
        per_category: Mapping[str, DedupParams] | None = None,
        *,
        num_perm: int = 64,
        bands: int = 16,
        shingle: int = 2,
        max_chars: int = 500,
        bucket_cap: int = 300,
        max_candidates: int = 200,
        seed: int = 1,
    ) -> None:
        """Create an empty index; `bands` × rows = `num_perm` sets the LSH recall curve (≈0.5 Jaccard at 16×4)."""
        if num_perm % bands:
            raise ValueError("num_perm must be a multiple of bands")
        self.params = params or DedupParams()
        self.per_category = dict(per_category or {})
        self.hasher = MinHasher(num_perm, shingle, seed)
        self.bands, self.rows = bands, num_perm // bands
        self.max_chars, self.bucket_cap, self.max_candidates = max_chars, bucket_cap, max_candidates
        rng = np.random.default_rng(seed + 1)
        self._row_mult = rng.integers(1, 2**63, size=self.rows, dtype=np.uint64) | np.uint64(1)
        self._band_salt = rng.integers(0, 2**63, size=bands, dtype=np.uint64)
        self._table = _BandTable()
        self._sigs = _Column(np.uint32, num_perm)
        self._shingles = _ShingleStore()
        self._at = _Column(np.float64, fill=np.nan)
        self._lng = _Column(np.float64, fill=np.nan)
        self._lat = _Column(np.float64, fill=np.nan)
        self._alive = _Column(np.bool_, fill=False)
        self._texts: list[str] = []
        self._ids: list[Hashable] = []
        self._categories: list[str | None] = []
        self._callers: list[str | None] = []
        self._slot_of: dict[Hashable, int] = {}
        self._by_caller: dict[str, set[Hashable]] = {}
        self._dead = 0

    def __len__(self) -> int:
        """Return the number of live cases."""
        return len(self._slot_of)

    def __contains__(self, case_id: object) -> bool:
        """Tell whether a case id is indexed."""
        return case_id in self._slot_of

    def params_for(self, category: str | None) -> DedupParams:
        """Return the thresholds of a category or of its nearest tuned ancestor code (defaults when none)."""
        code = category or ""
        while code:
            if code in self.per_category:
                return self.per_category[code]
            code = code[:-1]
        return self.params

    def _band_keys(self, sig: np.ndarray) -> np.ndarray:
        rows = sig.astype(np.uint64).reshape(self.bands, self.rows)
        return _mix64((rows * self._row_mult[None, :]).sum(axis=1, dtype=np.uint64) + self._band_salt)

    def add(
        self,
        case_id: Hashable,
        text: str,
        lng: float | None = None,
        lat: float | None = None,
        at: datetime | float | None = None,
        category: str | None = None,
        caller: str | None = None,
    ) -> None:
        """Index one case (replacing any previous version under the same id)."""
        if case_id in self._slot_of:
            self.remove(case_id)
        cleaned = clean(text, self.max_chars)
        packed = self.hasher.packed_shingles(cleaned)
        sig = self.hasher.signature(cleaned, packed)
        slot = len(self._ids)
        self._shingles.set(slot, packed)
        self._ids.append(case_id)
        self._texts.append(cleaned)
        self._categories.append(category)
        self._callers.append(caller or None)
        self._at.set(slot, _epoch(at))
        self._lng.set(slot, np.nan if lng is None else lng)
        self._lat.set(slot, np.nan if lat is None else lat)
        self._alive.set(slot, True)
        self._slot_of[case_id] = slot
        if caller:
            self._by_caller.setdefault(caller, set()).add(case_id)
        if sig is not None:
            self._sigs.set(slot, sig)
            self._table.add(self._band_keys(sig), slot)

    def remove(self, case_id: Hashable) -> bool:
        """Drop a case (closed, merged); return False if it was not indexed."""
        slot = self._slot_of.pop(case_id, None)
        if slot is None:
            return False
        self._alive.data[slot] = False
        self._texts[slot] = ""
        caller = self._callers[slot]
        if caller and caller in self._by_caller:
            self._by_caller[caller].discard(case_id)
            if not self._by_caller[caller]:
                del self._by_caller[caller]
        self._dead += 1
        # Dead entries only cost lookups; compact buckets once they are the majority.
        if self._dead > max(10_000, len(self._slot_of)):
            self._table.merge(self._alive.data)
            self._shingles.compact(self._alive.data)
            self._dead = 0
        return True

    def query(
        self,
        text: str,
        lng: float | None = None,
        lat: float | None = None,
        at: datetime | float | None = None,
        category: str | None = None,
        caller: str | None = None,
        *,
        exclude: Hashable | None = None,
        limit: int = 10,
        keywords: bool = True,
    ) -> QueryResult:
        """Return duplicate candidates of a (new) case with evidence, and other cases of the same caller."""
        params = self.params_for(category)
        cleaned = clean(text, self.max_chars)
        packed = self.hasher.packed_shingles(cleaned)
        sig = self.hasher.signature(cleaned, packed)
        repeat = self._repeat_caller(caller, exclude)
        if sig is None:
            return QueryResult([], repeat)
        slots = self._candidates(sig, exclude)
        if not len(slots):
            return QueryResult([], repeat)
        estimates = (self._sigs.data[slots] == sig[None, :]).mean(axis=1)
        # MinHash with 64 permutations has a standard error of ≈0.06: keep a margin below the threshold.
        keep = (estimates >= params.suggest_threshold - 0.2) & self._within_reach(slots, lng, lat, _epoch(at), params)
        matches = self._best(packed, slots[keep], estimates[keep], params, (lng, lat, _epoch(at), caller), limit)
        if keywords and matches:
            words = [w for w in dict.fromkeys(textmod.tokenize(text)) if len(w) > 1]  # once, not once per match
            matches = [replace(m, shared_keywords=self._shared_keywords(words, m.id)) for m in matches]
        return QueryResult(matches, repeat)

    def _repeat_caller(self, caller: str | None, exclude: Hashable | None) -> list[Hashable]:
        if not caller:
            return []
        return sorted((i for i in self._by_caller.get(caller, ()) if i != exclude), key=str)

    def _candidates(self, sig: np.ndarray, exclude: Hashable | None) -> np.ndarray:
        found = self._table.lookup(self._band_keys(sig), self.bucket_cap, self._alive.data)
        if not found:
            return np.empty(0, dtype=np.int32)
        slots, counts = np.unique(np.concatenate(found), return_counts=True)
        if exclude is not None and exclude in self._slot_of:
            keep = slots != self._slot_of[exclude]
            slots, counts = slots[keep], counts[keep]
        if len(slots) > self.max_candidates:
            # Cases sharing more bands are likelier duplicates.
            slots = slots[np.argsort(-counts, kind="stable")[: self.max_candidates]]
        return slots

    def _within_reach(self, slots: np.ndarray, lng: float | None, lat: float | None, at: float,
                      params: DedupParams) -> np.ndarray:
        """Vectorised pre-filter: candidates too far or too long ago can never be suggested (`_decide`)."""
        ok = np.ones(len(slots), dtype=bool)
        if not math.isnan(at):
            hours = np.abs(at - self._at.data[slots]) / 3600
            ok &= ~(hours > params.window_hours)  # NaN (no time) never blocks
        if lng is not None and lat is not None:
            # Equirectangular distance is within 0.5 % of haversine at city scale; keep a 1 % margin.
            dx = np.radians(self._lng.data[slots] - lng) * math.cos(math.radians(lat))
            dy = np.radians(self._lat.data[slots] - lat)
            metres = _EARTH_RADIUS_M * np.hypot(dx, dy)
            ok &= ~(metres > params.max_distance_m * 1.01)
        return ok

    def _best(
        self,
        packed: np.ndarray,
        slots: np.ndarray,
        estimates: np.ndarray,
        params: DedupParams,
        where: tuple[float | None, float | None, float, str | None],
        limit: int,
    ) -> list[Match]:
        """The `limit` best matches: auto-merges first, then by similarity (ties in candidate order).

        Exact similarities come in bulk; only the most similar candidates get the per-case evidence, in the final
        order, until no later one can still make the list (a burst of one incident has hundreds of candidates).
        """
        sims = self._shingles.jaccard(packed, slots)
        above = sims >= params.suggest_threshold
        slots, estimates, sims = slots[above], estimates[above], sims[above]
        # Python's round, as `Match.similarity` shows it: np.round differs on some halves (0.54375 → 0.5438).
        rounded = np.array([round(x, 4) for x in sims.tolist()])
        auto: list[Match] = []
        suggest: list[Match] = []
        for i in np.lexsort((np.arange(len(slots)), -rounded)).tolist():
            if len(auto) >= limit or (rounded[i] < params.auto_merge_threshold - 1e-4 and len(auto) + len(suggest)
                                      >= limit):
                break  # later candidates are less similar: none can be an auto-merge ahead of these
            match = self._match(int(slots[i]), float(sims[i]), float(estimates[i]), params, where)
            if match is not None:
                (auto if match.decision == "auto_merge" else suggest).append(match)
        return (auto + suggest)[:limit]

    def _match(self, slot: int, sim: float, est: float, params: DedupParams,
               where: tuple[float | None, float | None, float, str | None]) -> Match | None:
        lng, lat, at, caller = where
        dist = self._distance(slot, lng, lat)
        hours = abs(at - float(self._at.data[slot])) / 3600 if not math.isnan(at) else math.nan
        hours_apart = None if math.isnan(hours) else round(hours, 2)
        decision = _decide(sim, dist, hours_apart, params)
        if decision is None:
            return None
        same = caller is not None and caller == self._callers[slot]
        return Match(self._ids[slot], decision, round(sim, 4), round(est, 4), dist, hours_apart, same)

    def _distance(self, slot: int, lng: float | None, lat: float | None) -> float | None:
        other_lng, other_lat = float(self._lng.data[slot]), float(self._lat.data[slot])
        if lng is None or lat is None or math.isnan(other_lng) or math.isnan(other_lat):
            return None
        return round(haversine_m(lng, lat, other_lng, other_lat), 1)

    def _shared_keywords(self, words: list[str], case_id: Hashable, top: int = 6) -> tuple[str, ...]:
        other = self._texts[self._slot_of[case_id]]
        return tuple([w for w in words if w.lower() in other][:top])

    def candidates_of(self, case_id: Hashable, limit: int = 10) -> QueryResult:
        """Query with an indexed case itself (excluding it)."""
        slot = self._slot_of[case_id]
        lng, lat = float(self._lng.data[slot]), float(self._lat.data[slot])
        at = float(self._at.data[slot])
        return self.query(
            self._texts[slot],
            None if math.isnan(lng) else lng,
            None if math.isnan(lat) else lat,
            None if math.isnan(at) else at,
            self._categories[slot],
            self._callers[slot],
            exclude=case_id,
            limit=limit,
        )


def _decide(sim: float, dist: float | None, hours: float | None, p: DedupParams) -> Decision | None:
    """Apply a category's thresholds; unknown distance or time does not block a decision."""
    near = dist is None or dist <= p.max_distance_m
    recent = hours is None or hours <= p.window_hours
    if not (near and recent):
        return None
    close = dist is None or dist <= p.auto_merge_distance_m
    fresh = hours is None or hours <= p.auto_merge_window_hours
    return "auto_merge" if sim >= p.auto_merge_threshold and close and fresh else "suggest"


def _epoch(at: datetime | float | None) -> float:
    if at is None:
        return math.nan
    if isinstance(at, datetime):
        return at.timestamp()
    return float(at)


@dataclass(frozen=True)
class Pair:
    """An offline duplicate pair: the later case and the earlier one it duplicates."""

    id: Hashable
    duplicate_of: Hashable
    match: Match


def find_pairs(
    records: Iterable[tuple[Hashable, str, datetime | None]],
    params: DedupParams | None = None,
    *,
    limit: int = 5,
) -> list[Pair]:
    """Find duplicate pairs in a table, each later record against the earlier ones (time order when known)."""
    rows = list(records)
    rows.sort(key=lambda r: _epoch(r[2]) if r[2] is not None else math.inf)
    index = DuplicateIndex(params)
    pairs: list[Pair] = []
    for case_id, body, at in rows:
        result = index.query(body, at=at, limit=limit, keywords=False)
        pairs += [Pair(case_id, m.id, m) for m in result.matches]
        index.add(case_id, body, at=at)
    return pairs
