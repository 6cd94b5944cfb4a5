"""Early warning: weekday-aware Poisson spikes and repeated complaints."""

from __future__ import annotations

from datetime import date, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from cityloop.intel.alerts.warnings import Record, WarningParams, baseline, poisson_sf, repeats, scan, spikes

DAY = date(2024, 6, 3)  # a Monday


def _history(per_day: int, weeks: int = 8, category: str = "noise", area: str = "330106") -> list[Record]:
    out: list[Record] = []
    for d in range(1, 7 * weeks + 1):
        out += [Record(DAY - timedelta(days=d), category, area) for _ in range(per_day)]
    return out


def test_baseline_is_weekday_aware() -> None:
    history = {DAY - timedelta(days=d): (10 if (DAY - timedelta(days=d)).weekday() == 0 else 2) for d in range(1, 57)}
    p = WarningParams(prior=0.0)
    monday = baseline(history, DAY, p)
    tuesday = baseline(history, DAY + timedelta(days=1), p)
    assert monday > 7 > tuesday


def test_spike_above_the_poisson_quantile_alerts_with_evidence() -> None:
    records = _history(2) + [Record(DAY, "noise", "330106", grid="g1") for _ in range(15)]
    alerts = spikes(records, DAY)
    keys = {a.key for a in alerts}
    assert ("noise", "330106") in keys
    assert ("noise", "330106", "g1") in keys
    alert = next(a for a in alerts if a.key == ("noise", "330106"))
    assert alert.observed == 15
    assert 2 <= alert.expected <= 3
    assert alert.p_value < 0.001
    assert alert.evidence["same_weekday"] == [2] * 8


def test_normal_day_and_tiny_counts_do_not_alert() -> None:
    assert spikes(_history(5) + [Record(DAY, "noise", "330106") for _ in range(7)], DAY) == []
    # Two cases in an area that never had one: unusual, but below min_count.
    assert spikes([Record(DAY, "noise", "x"), Record(DAY, "noise", "x")], DAY) == []


def test_repeated_place_and_caller() -> None:
    records = [
        Record(DAY - timedelta(days=d), "noise", "a", place="文三路12号", caller="p1", id=str(d)) for d in range(3)
    ]
    records.append(Record(DAY - timedelta(days=20), "noise", "a", place="文三路12号", caller="p1", id="old"))
    alerts = repeats(records, DAY, WarningParams(repeat_count=3, repeat_days=7))
    assert {(a.kind, a.key, a.observed) for a in alerts} == {
        ("repeat_place", ("文三路12号",), 3),
        ("repeat_caller", ("p1",), 3),
    }
    assert "old" not in alerts[0].evidence["ids"]  # type: ignore[operator]


def test_scan_reports_each_day_once() -> None:
    records = _history(1) + [Record(DAY, "noise", "330106") for _ in range(12)]
    assert [a.day for a in scan(records) if a.kind == "spike"] == [DAY]


def test_poisson_tail() -> None:
    assert poisson_sf(0, 3.0) == 1.0
    assert 0 < poisson_sf(10, 2.0) < 1e-4


@settings(max_examples=30, deadline=None)
@given(
    st.lists(st.integers(0, 6), min_size=56, max_size=56),
    st.integers(0, 40),
    st.floats(1.0, 5.0),
)
def test_scaling_the_baseline_up_never_creates_alerts(history: list[int], today: int, scale: float) -> None:
    records = [Record(DAY - timedelta(days=i + 1), "c", "a") for i, n in enumerate(history) for _ in range(n)]
    records += [Record(DAY, "c", "a") for _ in range(today)]
    plain = {a.key for a in spikes(records, DAY)}
    scaled = {a.key for a in spikes(records, DAY, scale=scale)}
    assert scaled <= plain
