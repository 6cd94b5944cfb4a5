"""SLA sweep cost per case (dispatch and handling stages, legacy rows with absurd dates) against a bare scan."""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from _common import ROOT, emit, fresh_database, migrate

sys.path.insert(0, str(ROOT / "tests"))
import builders  # noqa: E402 - the test builders live outside the package; reuse their small world

T0 = datetime(2025, 3, 3, 2, 0, tzinfo=UTC)  # Monday 10:00 in Shanghai
LEGACY = datetime(151, 6, 1, tzinfo=UTC)


def populate(n_cases: int, n_legacy: int, tmp: Path) -> None:
    """The builders' world, then cases through intake: half routed to a unit, half waiting for dispatch."""
    from cityloop.cases.intake import intake
    from cityloop.kit import clock
    from cityloop.kit.db import session_scope

    clock.freeze(T0)
    with session_scope() as session:
        world = builders.build_world(session, tmp)
        agent = world.subjects["agent"]
        for i in range(n_cases):
            routed = i % 2 == 0
            data = builders.case_in(title=f"来电 {i}", content=f"第 {i} 号来电，请处理。",
                                    category_code="010101" if routed else None,
                                    location={"division_code": builders.STREET} if routed else {})
            case, _ = intake(session, agent, data)
            if i < n_legacy:
                # Rows written before receipt times were checked (a year typed as 0151).
                case.received_at = case.deadline = case.dispatch_deadline = LEGACY
        session.commit()
    clock.freeze(None)


def bare_scan_ms() -> float:
    """The sweep's own batched query over the same rows, without any rule: the baseline."""
    from cityloop.cases import repository as repo
    from cityloop.cases.sla import SWEPT_STATES
    from cityloop.kit.auth import SYSTEM
    from cityloop.kit.db import session_scope

    started = time.perf_counter()
    with session_scope() as session:
        last = 0
        while cases := repo.sweepable_cases(session, SYSTEM, SWEPT_STATES, last, 500):
            last = cases[-1].id
    return (time.perf_counter() - started) * 1000


def sweep_ms(now: datetime) -> tuple[float, dict[str, int]]:
    """One sweep at `now`: milliseconds and its report."""
    from dataclasses import asdict

    from cityloop.cases.sla import sweep
    from cityloop.kit.db import session_scope

    started = time.perf_counter()
    with session_scope() as session:
        report = sweep(session, now)
    return (time.perf_counter() - started) * 1000, asdict(report)


def pricing_ms(since: date, until: date) -> float:
    """Late working days from `since` on a cold calendar (every year's table built), in ms."""
    from cityloop.kit.calendar import WorkCalendar, _package_flags

    _package_flags.cache_clear()
    started = time.perf_counter()
    WorkCalendar().workdays_between(since, until)
    return (time.perf_counter() - started) * 1000


def run(args: argparse.Namespace) -> dict[str, Any]:
    """Populate a fresh database, then time a bare scan, a first sweep, a repeated sweep and legacy pricing."""
    from cityloop.kit.calendar import WorkCalendar

    # Screening for duplicates costs intake time only; the sweep is what is measured here.
    os.environ["CITYLOOP_DEDUP_SCREENING"] = "false"
    with tempfile.TemporaryDirectory(prefix="cityloop-bench-sla-") as tmp, \
            fresh_database(args.database, args.pg_admin_url) as url:
        migrate(url, Path(tmp) / "var")
        populate(args.cases, args.legacy, Path(tmp))
        now = T0 + timedelta(days=10)
        baseline = min(bare_scan_ms() for _ in range(3))
        first, report = sweep_ms(now)
        repeat, again = sweep_ms(now)
    until = now.date()
    old_rule = WorkCalendar().workdays_between(LEGACY.date(), until) * args.legacy
    floor_ms, legacy_ms = pricing_ms(date(2000, 1, 1), until), pricing_ms(LEGACY.date(), until)
    return {
        "database": args.database, "cases": args.cases, "legacy_rows": args.legacy,
        "bare_scan_ms": round(baseline, 1), "first_sweep_ms": round(first, 1), "repeat_sweep_ms": round(repeat, 1),
        "first_sweep_ms_per_case": round(first / args.cases, 3),
        "first_vs_bare_ratio": round(first / baseline, 2), "repeat_vs_bare_ratio": round(repeat / baseline, 2),
        "first_sweep": report, "repeat_sweep": again,
        "legacy_urges_old_rule": old_rule,
        "late_days_from_floor_ms": round(floor_ms, 1), "late_days_from_0151_ms": round(legacy_ms, 1),
        "floor_vs_0151_ratio": round(floor_ms / legacy_ms, 3),
    }


def main() -> None:
    """Parse options, run, print one JSON object."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database", choices=["sqlite", "postgresql"], default="sqlite")
    parser.add_argument("--cases", type=int, default=2000)
    parser.add_argument("--legacy", type=int, default=10, help="cases given a 0151 receipt time and deadline")
    parser.add_argument("--pg-admin-url", default="postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
    emit(run(parser.parse_args()))


if __name__ == "__main__":
    main()
