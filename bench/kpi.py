"""Benchmark the KPI service over N synthetic cases (default 1 M); prints ONE JSON object of figures.

The database given by --database-url is emptied, migrated, filled with bulk inserts (COPY on PostgreSQL,
Core executemany on SQLite) and analysed; then the KPI call (service and HTTP endpoint) is timed against a bare
`SELECT count(*)` over the same table measured in the same run.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import sys
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from _common import median_ms
from sqlalchemy import create_engine, insert, text
from sqlalchemy.engine import Engine, make_url

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_URL = f"sqlite:///{ROOT / 'var' / 'bench' / 'kpi.db'}"
CITY = "3301"
DISTRICTS = [f"{CITY}{d:02d}" for d in range(2, 12)]
STREETS = [f"{d}{s:03d}" for d in DISTRICTS for s in range(1, 9)]
CATEGORIES = [f"{a:02d}{b:02d}{c:02d}" for a in range(1, 6) for b in range(1, 4) for c in range(1, 3)]
CHANNELS = ["hotline"] * 6 + ["web", "app", "grid", "grid", "iot", "video"]
APPEALS = [("consult", 2), ("help", 10), ("suggest", 10), ("complain", 15), ("report", 15), ("event", 5)]
SATISFACTION = ["satisfied"] * 7 + ["basically_satisfied"] * 2 + ["dissatisfied"]
BATCH = 20_000
PROPOSED_INDEXES = ("deadline", "completed_at", "closed_at")
COLUMNS = [
    "lookup_code", "source_system", "channel", "appeal_type", "title", "content", "address",
    "division_code", "category_code", "grade", "escalation_level", "unit_id", "state", "sign_limit", "sign_unit",
    "handle_limit", "handle_unit", "received_at", "dispatch_deadline", "dispatched_at", "sign_deadline",
    "signed_at", "deadline", "completed_at", "verified_at", "revisited_at", "closed_at", "satisfaction",
    "extension_count", "urge_count", "auto_urge_count", "reopen_count", "reassign_count", "card", "suggestions",
    "tags", "attachments", "row_version", "created_at", "updated_at",
]
CONTENT = "小区门口夜间占道经营，油烟噪音扰民，影响居民休息和通行，多次反映未解决，请相关部门尽快处理。"


def _use_database(url: str) -> None:
    os.environ["CITYLOOP_DATABASE_URL"] = url
    os.environ["CITYLOOP_RUN_SWEEPER"] = "false"
    from cityloop.config import get_settings
    from cityloop.kit.db import reset_engine

    get_settings.cache_clear()
    reset_engine()


def fresh_database(url: str) -> None:
    """Empty the target database (creating it on PostgreSQL if needed) and migrate it to head."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        path = Path(parsed.database or "")
        path.parent.mkdir(parents=True, exist_ok=True)
        for suffix in ("", "-wal", "-shm"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)
    else:
        _recreate_pg(url)
    _use_database(url)
    from cityloop.migrate import upgrade

    upgrade()


def _recreate_pg(url: str) -> None:
    parsed = make_url(url)
    admin = create_engine(parsed.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        exists = conn.scalar(text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": parsed.database})
        if not exists:
            conn.execute(text(f'CREATE DATABASE "{parsed.database}"'))
    admin.dispose()
    target = create_engine(url, isolation_level="AUTOCOMMIT")
    with target.connect() as conn:
        conn.execute(text("DROP SCHEMA public CASCADE"))
        conn.execute(text("CREATE SCHEMA public"))
    target.dispose()


def seed_places(engine: Engine) -> list[int]:
    """Divisions and handling units (one per district department and street office); returns unit ids."""
    from cityloop.accounts.models import Unit
    from cityloop.areas.divisions.models import Division

    now = datetime.now(UTC)
    divisions = [{"code": CITY, "name": "杭州市", "short_name": "", "level": 2, "parent_code": "33"}]
    divisions += [{"code": d, "name": f"第{i}区", "short_name": "", "level": 3, "parent_code": CITY}
                  for i, d in enumerate(DISTRICTS, 1)]
    divisions += [{"code": s, "name": f"{s[-3:]}街道", "short_name": "", "level": 4, "parent_code": s[:6]}
                  for s in STREETS]
    units = [{"name": f"{s}街道办", "kind": "area_office", "unit_type": "street_office", "division_code": s,
              "is_active": True, "created_at": now, "updated_at": now} for s in STREETS]
    units += [{"name": f"{d}{t}", "kind": "department", "unit_type": t, "division_code": d, "is_active": True,
               "created_at": now, "updated_at": now} for d in DISTRICTS for t in ("chengguan", "zhujian")]
    with engine.begin() as conn:
        conn.execute(insert(Division), divisions)
        conn.execute(insert(Unit), units)
        rows = conn.execute(text("SELECT id, division_code FROM units")).all()
    return [r.id for r in rows]


def synthetic_cases(n: int, unit_ids: list[int], now: datetime, seed: int = 7) -> Iterator[tuple[Any, ...]]:
    """N plausible case rows over the year before `now`, in COLUMNS order and in order of receipt (as ids are)."""
    rnd = random.Random(seed)
    first, step = now - timedelta(days=365), 365 * 86400 / n
    for i in range(n):
        received = first + timedelta(seconds=(i + rnd.random()) * step)
        yield _lifecycle(rnd, received, now, rnd.choice(unit_ids))


def _lifecycle(rnd: random.Random, received: datetime, now: datetime, unit_id: int) -> tuple[Any, ...]:
    appeal, limit_days = rnd.choice(APPEALS)
    deadline = received + timedelta(days=limit_days * 1.4)
    t: dict[str, Any] = dict.fromkeys(("dispatched_at", "sign_deadline", "signed_at", "completed_at",
                                       "verified_at", "revisited_at", "closed_at", "satisfaction"))
    state, reopen, reassign, unit = "received", 0, 0, None
    fate = rnd.random()
    if fate < 0.03:
        state, t["closed_at"] = "invalid", received + timedelta(minutes=rnd.expovariate(1 / 30))
    elif fate < 0.05:
        state, t["closed_at"] = "merged", received + timedelta(minutes=rnd.expovariate(1 / 30))
    else:
        unit = unit_id
        state, reopen, reassign = _progress(rnd, t, received, now)
        if state == "received":
            unit = None
    if t["closed_at"] and t["closed_at"] > now:
        t["closed_at"] = None
    return (
        "BENCH1", "", rnd.choice(CHANNELS), appeal, "占道经营扰民", CONTENT, "",
        rnd.choice(STREETS), rnd.choice(CATEGORIES), "C", 0, unit, state, 1.0, "wd", float(limit_days), "wd",
        received, received + timedelta(minutes=30), t["dispatched_at"], t["sign_deadline"], t["signed_at"],
        deadline, t["completed_at"], t["verified_at"], t["revisited_at"], t["closed_at"], t["satisfaction"],
        0, 0, 0, reopen, reassign, "none", "{}", "[]", "[]", 1, received, received,
    )


def _progress(rnd: random.Random, t: dict[str, Any], received: datetime, now: datetime) -> tuple[str, int, int]:
    """Walk one valid case through the loop as far as `now` allows."""
    auto = rnd.random() < 0.6
    t["dispatched_at"] = received if auto else received + timedelta(minutes=rnd.expovariate(1 / 25))
    if t["dispatched_at"] > now:
        t["dispatched_at"] = None
        return "received", 0, 0
    reassign = int(rnd.random() < 0.08)
    t["sign_deadline"] = t["dispatched_at"] + timedelta(days=1)
    signed = t["dispatched_at"] + timedelta(hours=rnd.expovariate(1 / 10))
    if signed > now:
        return "dispatched", 0, reassign
    t["signed_at"] = signed
    completed = signed + timedelta(days=rnd.expovariate(1 / 4))
    if completed > now:
        return "handling", 0, reassign
    reopen = int(rnd.random() < 0.05)
    t["completed_at"] = completed
    steps = [("verified_at", 1.0, 0.95), ("revisited_at", 2.0, 0.85), ("closed_at", 1.0, 0.9)]
    state = "completed"
    at = completed
    for column, mean_days, share in steps:
        at += timedelta(days=rnd.expovariate(1 / mean_days))
        if at > now or rnd.random() > share:
            break
        t[column] = at
        state = {"verified_at": "verified", "revisited_at": "revisited", "closed_at": "closed"}[column]
        if column == "revisited_at":
            t["satisfaction"] = rnd.choice(SATISFACTION)
    return state, reopen, reassign


def load_cases(engine: Engine, rows: Iterator[tuple[Any, ...]]) -> int:
    """Bulk-insert rows: COPY on PostgreSQL, Core executemany in batches on SQLite."""
    if engine.dialect.name == "postgresql":
        return copy_pg(engine, rows)
    from cityloop.cases.models import Case

    count, stmt = 0, insert(Case)
    with engine.begin() as conn:
        batch: list[dict[str, Any]] = []
        for row in rows:
            batch.append(dict(zip(COLUMNS, row, strict=True)))
            if len(batch) == BATCH:
                conn.execute(stmt, _decoded(batch))
                count, batch = count + len(batch), []
        if batch:
            conn.execute(stmt, _decoded(batch))
            count += len(batch)
    return count


def _decoded(batch: list[dict[str, Any]]) -> list[dict[str, Any]]:
    # The ORM table wants Python objects for its JSON columns; COPY takes the text form.
    for row in batch:
        row["suggestions"], row["tags"], row["attachments"] = {}, [], []
    return batch


def copy_pg(engine: Engine, rows: Iterator[tuple[Any, ...]], columns: list[str] = COLUMNS) -> int:
    """COPY rows (in `columns` order) into cases; the row count."""
    count = 0
    raw = engine.raw_connection()
    try:
        with raw.cursor() as cur, cur.copy(f"COPY cases ({', '.join(columns)}) FROM STDIN") as copy:  # type: ignore[attr-defined]
            for row in rows:
                copy.write_row(row)
                count += 1
        raw.commit()
    finally:
        raw.close()
    return count


def analyse(engine: Engine) -> None:
    """Fresh planner statistics (and the visibility map on PostgreSQL), as a live database would have."""
    if engine.dialect.name == "postgresql":
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(text("VACUUM ANALYZE cases"))
    else:
        with engine.begin() as conn:
            conn.execute(text("ANALYZE"))


def add_proposed_indexes(engine: Engine) -> None:
    """The indexes docs/kpi.md proposes for period queries (not in the migrations yet)."""
    with engine.begin() as conn:
        for column in PROPOSED_INDEXES:
            conn.execute(text(f"CREATE INDEX IF NOT EXISTS ix_cases_{column} ON cases ({column})"))


def p50_ms(fn: Callable[[], Any], repeat: int) -> float:
    """Median wall time of `fn` in milliseconds after one warm-up call."""
    return median_ms(fn, repeat)


def time_kpis(repeat: int, now: datetime) -> dict[str, Any]:
    """Time the service calls, the HTTP endpoint and the bare count baseline."""
    from cityloop.cases import kpi
    from cityloop.kit.auth import Role, Subject
    from cityloop.kit.db import get_engine, get_sessionmaker

    leader = Subject(id=None, name="bench", roles=frozenset({Role.LEADER}), scope=CITY)
    month = kpi.KpiQuery(start=now - timedelta(days=30), end=now)
    session = get_sessionmaker()()
    # A bare count, and the cheapest count restricted to the caller's area (the KPI query's WHERE clause).
    scan = text("SELECT count(*) FROM cases WHERE division_code LIKE :p").bindparams(p=f"{CITY}%")
    with get_engine().connect() as conn:
        baseline = p50_ms(lambda: conn.execute(text("SELECT count(*) FROM cases")).scalar(), repeat)
        baseline_scan = p50_ms(lambda: conn.execute(scan).scalar(), repeat)
    report = kpi.kpi_report(session, leader, kpi.KpiQuery(), now=now)
    figures: dict[str, Any] = {
        "kpi_ms": p50_ms(lambda: kpi.kpi_report(session, leader, kpi.KpiQuery(), now=now), repeat),
        "kpi_month_ms": p50_ms(lambda: kpi.kpi_report(session, leader, month, now=now), repeat),
        "kpi_breakdown_unit_ms": p50_ms(lambda: kpi.kpi_breakdown(session, leader, kpi.KpiQuery(), "unit",
                                                                  now=now), repeat),
        "kpi_breakdown_day_ms": p50_ms(lambda: kpi.kpi_breakdown(session, leader, month, "day", now=now), repeat),
        "kpi_http_ms": _time_http(session, repeat),
        "baseline_count_ms": baseline,
        "baseline_scan_ms": baseline_scan,
    }
    session.close()
    figures["kpi_vs_count_ratio"] = round(figures["kpi_ms"] / max(baseline, 0.1), 2)
    figures["kpi_vs_scan_ratio"] = round(figures["kpi_ms"] / max(baseline_scan, 0.1), 2)
    figures["sample"] = {k: getattr(report, k) for k in ("received", "instant_dispatch_rate", "completion_rate",
                                                         "satisfaction_rate", "avg_handling_hours", "overdue_count")}
    return figures


def _time_http(session: Any, repeat: int) -> float:
    from fastapi.testclient import TestClient

    from cityloop.accounts import repository as accounts_repo
    from cityloop.accounts import service as accounts
    from cityloop.app import create_app
    from cityloop.cases.kpi_routes import router
    from cityloop.kit.auth import Role

    if accounts_repo.user_by_name(session, "bench_leader") is None:  # --reuse keeps the user too
        accounts.create_user(session, "bench_leader", "bench-pass-1", [Role.LEADER], scope=CITY)
        session.commit()
    app = create_app()
    if not any(getattr(r, "path", "") == "/api/v1/kpi" for r in app.routes):
        app.include_router(router)
    with TestClient(app) as client:
        token = client.post("/api/v1/auth/token", data={"username": "bench_leader", "password": "bench-pass-1"})
        headers = {"Authorization": f"Bearer {token.json()['access_token']}"}

        def call() -> None:
            assert client.get("/api/v1/kpi", headers=headers).status_code == 200

        return p50_ms(call, repeat)


def main() -> None:
    """Generate, load, analyse, time; print one JSON object."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=1_000_000)
    parser.add_argument("--database-url", default=DEFAULT_URL)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--reuse", action="store_true", help="keep the data already loaded (skip generation)")
    parser.add_argument("--proposed-indexes", action="store_true",
                        help="also index deadline, completed_at and closed_at (see docs/kpi.md)")
    args = parser.parse_args()
    now = datetime(2025, 1, 1, tzinfo=UTC)
    load: dict[str, Any] = {}
    if args.reuse:
        _use_database(args.database_url)
    else:
        fresh_database(args.database_url)
        from cityloop.kit.db import get_engine

        start = time.perf_counter()
        units = seed_places(get_engine())
        loaded = load_cases(get_engine(), synthetic_cases(args.cases, units, now))
        load["load_per_s"] = round(loaded / (time.perf_counter() - start), 1)
    from cityloop.kit.db import get_engine

    if args.proposed_indexes:
        add_proposed_indexes(get_engine())
    analyse(get_engine())

    with get_engine().connect() as conn:
        cases = int(conn.execute(text("SELECT count(*) FROM cases")).scalar() or 0)
    figures = {"cases": cases, "backend": get_engine().dialect.name, "proposed_indexes": args.proposed_indexes,
               **load, **time_kpis(args.repeat, now)}
    sys.stdout.write(json.dumps(figures, ensure_ascii=False) + "\n")


if __name__ == "__main__":
    main()
