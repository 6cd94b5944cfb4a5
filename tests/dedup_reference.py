"""Duplicate screening the slow, obvious way: the oracle of the index's tests and the baseline of bench/intel.py."""

from __future__ import annotations

from datetime import datetime

from cityloop.intel.dedup.index import DuplicateIndex, _decide, _epoch, clean, haversine_m, jaccard, shingles


def best_one_by_one(ix: DuplicateIndex, text: str, lng: float | None, lat: float | None, at: datetime,
                    limit: int) -> list[tuple[object, str, float, float | None, float | None]]:
    """Every LSH candidate scored one by one with string shingles, sorted, cut: what `query` must return."""
    params = ix.params
    cleaned = clean(text)
    sig = ix.hasher.signature(cleaned)
    assert sig is not None
    slots = ix._candidates(sig, None)
    estimates = (ix._sigs.data[slots] == sig[None, :]).mean(axis=1)
    keep = (estimates >= params.suggest_threshold - 0.2) & ix._within_reach(slots, lng, lat, _epoch(at), params)
    mine, out = shingles(cleaned), []
    for slot in slots[keep].tolist():
        sim = jaccard(mine, shingles(ix._texts[slot]))
        if sim < params.suggest_threshold:
            continue
        other = (float(ix._lng.data[slot]), float(ix._lat.data[slot]))
        dist = round(haversine_m(lng, lat, *other), 1) if lng is not None and lat is not None \
            and other[0] == other[0] else None
        hours = round(abs(_epoch(at) - float(ix._at.data[slot])) / 3600, 2)
        decision = _decide(sim, dist, hours, params)
        if decision is not None:
            out.append((ix._ids[slot], decision, round(sim, 4), dist, hours))
    out.sort(key=lambda m: (m[1] != "auto_merge", -m[2]))
    return out[:limit]
