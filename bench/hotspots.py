"""Benchmark live hot issues (GET /api/v1/hotspots's function) over N synthetic cases; prints ONE JSON object.

The database is emptied, migrated and filled with bench/kpi.py's generator (one year of cases before a fixed
`now`, COPY on PostgreSQL) with varied texts: a quarter of the cases repeat one of 40 place × problem pairs (the
hot issues), the rest mix 60 places and 12 problems at random. Then, for windows of 7, 30, 90 and 249 days and for a
city-level leader and a street-level supervisor, the route function is called `--repeat` times with the cache
cleared before each call (the cold cost a user pays once per 5 minutes), once more from the cache, and a bare
`SELECT count(*)` over the same window is timed as the baseline.
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import text

sys.path.insert(0, str(Path(__file__).resolve().parent))
import kpi as gen  # noqa: E402 - the case generator of bench/kpi.py
from _common import emit, percentile  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_URL = f"sqlite:///{ROOT / 'var' / 'bench' / 'hotspots.db'}"
NOW = datetime(2025, 1, 1, tzinfo=UTC)
WINDOWS = (7, 30, 90, 249)
PLACES = [f"{a}{b}" for a in ("幸福", "和平", "光明", "学院", "文三", "保俶", "北山", "西溪", "紫金", "古荡")
          for b in ("小区", "路", "花园", "市场", "公园", "学校")]
PROBLEMS = ["垃圾堆积无人清运", "夜间施工噪音扰民", "占道经营影响通行", "井盖缺失很危险", "路灯不亮",
            "违章停车堵塞消防通道", "餐馆油烟扰民", "楼道漏水无人维修", "广场舞噪音扰民", "共享单车乱停放",
            "下水道堵塞污水外溢", "树木倒伏压坏车辆"]


def varied(rows: Iterator[tuple[Any, ...]], seed: int = 11) -> Iterator[tuple[Any, ...]]:
    """The generator's rows with a title, content and address drawn from places × problems."""
    rnd = random.Random(seed)
    hot = [(rnd.choice(PLACES), rnd.choice(PROBLEMS)) for _ in range(40)]
    for row in rows:
        place, problem = rnd.choice(hot) if rnd.random() < 0.25 else (rnd.choice(PLACES), rnd.choice(PROBLEMS))
        content = f"{place}附近{problem}，已经{rnd.randint(2, 9)}天了，希望有关部门尽快处理。"
        yield (*row[:4], f"{place}{problem}", content, f"{place}{rnd.randint(1, 99)}号", *row[7:])


def timed(fn: Callable[[], Any], repeat: int, before: Callable[[], None] | None = None) -> list[float]:
    """Wall times of `fn` in ms (after one untimed warm-up call), `before` run untimed ahead of each call."""
    fn()
    times = []
    for _ in range(repeat):
        if before:
            before()
        start = time.perf_counter()
        fn()
        times.append((time.perf_counter() - start) * 1000)
    return times


def _stats(prefix: str, times: list[float]) -> dict[str, float]:
    return {f"{prefix}_p50_ms": round(percentile(times, 50), 1), f"{prefix}_p99_ms": round(percentile(times, 99), 1)}


def measure(repeat: int) -> dict[str, Any]:
    """Time the route function per window and scope, the cached call, and the count baseline."""
    from cityloop.intel.alerts.routes import live_hotspots
    from cityloop.intel.hotspots import live
    from cityloop.kit import clock
    from cityloop.kit.auth import Role, Subject
    from cityloop.kit.db import get_engine, get_sessionmaker

    clock.freeze(NOW)
    subjects = {"city": Subject(id=None, name="bench", roles=frozenset({Role.LEADER}), scope=gen.CITY),
                "street": Subject(id=None, name="bench", roles=frozenset({Role.SUPERVISOR}), scope=gen.STREETS[0])}
    session = get_sessionmaker()()
    figures: dict[str, Any] = {}
    count = text("SELECT count(*) FROM cases WHERE received_at >= :s AND received_at < :e")
    for days in WINDOWS:
        window = {"s": NOW - timedelta(days=days), "e": NOW}
        with get_engine().connect() as conn:
            counted = timed(lambda conn=conn, window=window: conn.execute(count, window).scalar(), repeat)
            figures.update(_stats(f"count_{days}d", counted))
        for name, subject in subjects.items():
            def call(subject: Any = subject, days: int = days) -> Any:
                return live_hotspots(session=session, subject=subject, division_code=None, days=days, top=10)
            figures.update(_stats(f"{name}_{days}d", timed(call, repeat, live.clear_cache)))
            body = call()
            figures[f"{name}_{days}d_considered"] = body.considered
            figures[f"{name}_{days}d_truncated"] = body.truncated
            session.commit()  # end the read transaction, as a request would
        figures[f"city_{days}d_vs_count_ratio"] = round(
            figures[f"city_{days}d_p50_ms"] / max(figures[f"count_{days}d_p50_ms"], 0.1), 1)
    figures.update(_stats("cached_249d", timed(lambda: live_hotspots(
        session=session, subject=subjects["city"], division_code=None, days=249, top=10), repeat)))
    session.close()
    return figures


def main() -> None:
    """Generate, load, analyse, time; print one JSON object."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=200_000)
    parser.add_argument("--database-url", default=DEFAULT_URL, help="emptied and refilled unless --reuse")
    parser.add_argument("--repeat", type=int, default=20, help="timed calls per window and scope")
    parser.add_argument("--reuse", action="store_true", help="keep the data already loaded (skip generation)")
    args = parser.parse_args()
    load: dict[str, Any] = {}
    if args.reuse:
        gen._use_database(args.database_url)
    else:
        gen.fresh_database(args.database_url)
        from cityloop.kit.db import get_engine

        start = time.perf_counter()
        units = gen.seed_places(get_engine())
        loaded = gen.load_cases(get_engine(), varied(gen.synthetic_cases(args.cases, units, NOW)))
        load["load_per_s"] = round(loaded / (time.perf_counter() - start), 1)
    from cityloop.config import get_settings
    from cityloop.kit.db import get_engine

    gen.analyse(get_engine())
    with get_engine().connect() as conn:
        cases = int(conn.execute(text("SELECT count(*) FROM cases")).scalar() or 0)
    emit({"cases": cases, "backend": get_engine().dialect.name, "max_cases": get_settings().hotspots_max_cases,
          "repeat": args.repeat, **load, **measure(args.repeat)})


if __name__ == "__main__":
    main()
