"""Early warning (预警): category × area spikes against a weekday-aware baseline, and repeated complaints."""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Literal

from scipy.stats import poisson

AlertKind = Literal["spike", "repeat_place", "repeat_caller"]


@dataclass(frozen=True)
class Record:
    """One case as early warning sees it."""

    day: date
    category: str
    area: str
    place: str | None = None
    caller: str | None = None
    grid: str | None = None
    id: str | None = None


@dataclass(frozen=True)
class WarningParams:
    """Baseline and test parameters (documented in docs/intel_analytics.md)."""

    weeks: int = 8
    # Share of the same-weekday mean in the blend; the rest is the all-days mean of the same weeks (smoothing).
    weekday_weight: float = 0.7
    # Pseudo-count added to the baseline so a quiet history does not make one case an alert.
    prior: float = 0.5
    p_value: float = 0.001
    min_count: int = 3
    repeat_count: int = 3
    repeat_days: int = 7


@dataclass(frozen=True)
class Alert:
    """An early-warning signal for a supervisor."""

    kind: AlertKind
    key: tuple[str, ...]
    day: date
    observed: int
    expected: float
    p_value: float
    window: tuple[date, date]
    evidence: dict[str, object] = field(default_factory=dict)


def baseline(history: dict[date, int], day: date, p: WarningParams) -> float:
    """Return the expected count on `day`: blend of same-weekday and all-days means of the previous weeks."""
    same = [history.get(day - timedelta(weeks=w), 0) for w in range(1, p.weeks + 1)]
    every = [history.get(day - timedelta(days=d), 0) for d in range(1, 7 * p.weeks + 1)]
    weekday_mean = sum(same) / len(same)
    all_mean = sum(every) / len(every)
    return p.weekday_weight * weekday_mean + (1 - p.weekday_weight) * all_mean + p.prior


def poisson_sf(observed: int, expected: float) -> float:
    """Return P(X ≥ observed) for X ~ Poisson(expected)."""
    return float(poisson.sf(observed - 1, expected))


def spike_test(observed: int, expected: float, p: WarningParams) -> float | None:
    """Return the p-value if `observed` is a significant excess over `expected`, else None."""
    if observed < p.min_count:
        return None
    pv = poisson_sf(observed, expected)
    return pv if pv < p.p_value else None


def series(records: Iterable[Record]) -> dict[tuple[str, ...], Counter[date]]:
    """Return daily counts per (category, area) and (category, area, grid)."""
    out: dict[tuple[str, ...], Counter[date]] = defaultdict(Counter)
    for r in records:
        out[(r.category, r.area)][r.day] += 1
        if r.grid:
            out[(r.category, r.area, r.grid)][r.day] += 1
    return out


def spikes(
    records: Sequence[Record], day: date, params: WarningParams | None = None, scale: float = 1.0
) -> list[Alert]:
    """Return spike alerts for `day` per category × area (and × grid); `scale` multiplies every baseline."""
    return spikes_in(series(records), day, params, scale)


def spikes_in(
    counts: dict[tuple[str, ...], Counter[date]], day: date, params: WarningParams | None = None, scale: float = 1.0
) -> list[Alert]:
    """Return spike alerts for `day` from precomputed daily series."""
    p = params or WarningParams()
    alerts: list[Alert] = []
    for key, history in counts.items():
        observed = history.get(day, 0)
        expected = baseline(history, day, p) * scale
        pv = spike_test(observed, expected, p)
        if pv is not None:
            window = (day - timedelta(weeks=p.weeks), day)
            evidence: dict[str, object] = {
                "same_weekday": [history.get(day - timedelta(weeks=w), 0) for w in range(p.weeks, 0, -1)]
            }
            alerts.append(Alert("spike", key, day, observed, round(expected, 3), pv, window, evidence))
    alerts.sort(key=lambda a: a.p_value)
    return alerts


def repeats(records: Sequence[Record], day: date, params: WarningParams | None = None) -> list[Alert]:
    """Return alerts for a place or caller with ≥ repeat_count cases in the repeat_days ending on `day`."""
    p = params or WarningParams()
    start = day - timedelta(days=p.repeat_days - 1)
    recent = [r for r in records if start <= r.day <= day]
    alerts: list[Alert] = []
    kinds: tuple[tuple[AlertKind, str], ...] = (("repeat_place", "place"), ("repeat_caller", "caller"))
    for kind, attr in kinds:
        groups: dict[str, list[Record]] = defaultdict(list)
        for r in recent:
            value = getattr(r, attr)
            if value:
                groups[value].append(r)
        for value, rows in groups.items():
            # Only alert on the day the threshold is reached or exceeded by a new case, not on every quiet day after.
            if len(rows) >= p.repeat_count and any(r.day == day for r in rows):
                evidence: dict[str, object] = {
                    "ids": [r.id for r in rows if r.id],
                    "categories": dict(Counter(r.category for r in rows)),
                }
                alerts.append(Alert(kind, (value,), day, len(rows), float(p.repeat_count), 0.0, (start, day), evidence))
    alerts.sort(key=lambda a: -a.observed)
    return alerts


def scan(
    records: Sequence[Record], days: Iterable[date] | None = None, params: WarningParams | None = None
) -> list[Alert]:
    """Return all alerts for each day (default: every day present in the records)."""
    p = params or WarningParams()
    todo = sorted(set(days) if days is not None else {r.day for r in records})
    counts = series(records)
    ordered = sorted(records, key=lambda r: r.day)
    day_keys = [r.day for r in ordered]
    out: list[Alert] = []
    for d in todo:
        # Only the repeat window's records are needed for one day.
        lo = bisect_left(day_keys, d - timedelta(days=p.repeat_days - 1))
        hi = bisect_right(day_keys, d)
        out += spikes_in(counts, d, p) + repeats(ordered[lo:hi], d, p)
    return out
