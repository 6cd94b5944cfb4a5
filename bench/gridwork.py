"""Patrol check-ins over HTTP against case intake in the same run, and the morning coverage over many points.

Prints ONE JSON object. Phase 1: `cityloop serve` on a fresh database with the test builders' world and N points of
the grid worker; C client threads POST check-ins (token, radius and idempotency checks on) and then cases (agent)
for the same count. Phase 2 (in-process): P points with D days of check-ins (~85 % of the due days) loaded in bulk,
then `coverage()` for the last day as a street supervisor sees it, against a bare grouped scan of the same rows.
"""

from __future__ import annotations

import argparse
import random
import sys
import tempfile
import threading
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
from _common import ROOT, emit, fresh_database, migrate, percentile, running_server

sys.path.insert(0, str(ROOT / "tests"))
import builders  # noqa: E402 - the test builders live outside the package; reuse their small world

LNG, LAT = 120.15, 30.26


def setup_world(tmp: Path, points: int) -> None:
    """The builders' world and `points` patrol points of its grid worker, imported through the service."""
    from cityloop.gridwork.points import service as points_service
    from cityloop.kit.auth import SYSTEM
    from cityloop.kit.db import session_scope

    with session_scope() as session:
        builders.build_world(session, tmp)
        rows = "".join(f"B{i:05d},点位{i},{LNG + i * 1e-5:.6f},{LAT:.6f},1,grid_worker\n" for i in range(points))
        points_service.import_file(session, SYSTEM, ("point_id,name,lng,lat,cycle_days,worker\n" + rows).encode(),
                                   "points.csv")


def _token(base: str, user: str) -> str:
    resp = httpx.post(f"{base}/api/v1/auth/token", data={"username": user, "password": builders.PASSWORD})
    resp.raise_for_status()
    return str(resp.json()["access_token"])


def _load(base: str, token: str, path: str, bodies: list[dict[str, Any]], threads: int) -> dict[str, float]:
    latencies: list[float] = []
    failures = [0]
    lock = threading.Lock()

    def work(chunk: list[tuple[int, dict[str, Any]]]) -> None:
        with httpx.Client(base_url=base, headers={"Authorization": f"Bearer {token}"}, timeout=30) as client:
            for i, body in chunk:
                t0 = time.perf_counter()
                resp = client.post(path, json=body, headers={"Idempotency-Key": f"bench-{path[-8:]}-{i}"})
                took = time.perf_counter() - t0
                with lock:
                    latencies.append(took)
                    failures[0] += resp.status_code >= 300
    items = list(enumerate(bodies))
    chunks = [items[k::threads] for k in range(threads)]
    started = time.perf_counter()
    workers = [threading.Thread(target=work, args=(c,)) for c in chunks]
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    elapsed = time.perf_counter() - started
    return {"per_s": round(len(bodies) / elapsed, 1), "p50_ms": round(percentile(latencies, 50) * 1000, 2),
            "p99_ms": round(percentile(latencies, 99) * 1000, 2), "failures": failures[0]}


def http_phase(url: str, tmp: Path, n: int, threads: int) -> dict[str, Any]:
    """Check-ins then cases through the same server, same count and concurrency."""
    now = datetime.now(UTC)
    checkins = [{"point_id": f"B{i % 500:05d}", "lng": LNG + (i % 500) * 1e-5, "lat": LAT, "result": "ok",
                 "at": (now - timedelta(seconds=i)).isoformat(), "note": ""} for i in range(n)]
    cases = [builders.case_in(title=f"巡查上报 {i}", content=f"第 {i} 号事件，请处理。").model_dump(
        mode="json", exclude_none=True) for i in range(n)]
    with running_server(url, tmp / "var", workers=1) as server:
        worker, agent = _token(server.base_url, "grid_worker"), _token(server.base_url, "agent")
        got = _load(server.base_url, worker, "/api/v1/gridwork/checkins", checkins, threads)
        base = _load(server.base_url, agent, "/api/v1/cases", cases, threads)
    return {"checkins_per_s": got["per_s"], "checkin_p50_ms": got["p50_ms"], "checkin_p99_ms": got["p99_ms"],
            "checkin_failures": got["failures"], "intake_per_s_baseline": base["per_s"],
            "intake_p99_ms_baseline": base["p99_ms"],
            "checkins_vs_intake_ratio": round(got["per_s"] / base["per_s"], 2)}


def coverage_phase(points: int, days: int) -> dict[str, Any]:
    """Bulk-load points and their check-in history, then time the morning coverage against a bare grouped scan."""
    from sqlalchemy import func, insert, select

    from cityloop.gridwork.checkins.models import CheckIn
    from cityloop.gridwork.coverage import service as coverage
    from cityloop.gridwork.points.models import PatrolPoint
    from cityloop.kit.auth import SYSTEM
    from cityloop.kit.db import session_scope

    rng = random.Random(7)
    today = datetime.now(UTC).date()
    with session_scope() as session:
        user_id = session.scalar(select(func.min(CheckIn.user_id))) or 1
        rows = [{"code": f"C{i:06d}", "name": f"覆盖点{i}", "lng": LNG, "lat": LAT, "division_code": builders.STREET,
                 "cycle_days": rng.choice((1, 1, 2, 3, 7)), "is_active": True,
                 "created_at": datetime.now(UTC), "updated_at": datetime.now(UTC)} for i in range(points)]
        session.execute(insert(PatrolPoint), rows)
        ids = list(session.scalars(select(PatrolPoint.id).where(PatrolPoint.code.like("C%"))))
        started = time.perf_counter()
        batch: list[dict[str, Any]] = []
        loaded = 0
        for pid in ids:
            for back in range(days, 0, -1):
                if rng.random() < 0.85:
                    at = datetime.combine(today - timedelta(days=back), datetime.min.time(), tzinfo=UTC)
                    batch.append({"point_id": pid, "user_id": user_id, "at": at + timedelta(hours=2), "lng": LNG,
                                  "lat": LAT, "distance_m": 5.0, "method": "gps", "result": "ok", "note": "",
                                  "received_at": at})
            if len(batch) > 50_000:
                session.execute(insert(CheckIn), batch)
                loaded, batch = loaded + len(batch), []
        if batch:
            session.execute(insert(CheckIn), batch)
            loaded += len(batch)
        session.commit()
        load_s = time.perf_counter() - started
        day = today - timedelta(days=1)
        t0 = time.perf_counter()
        result = coverage.coverage(session, SYSTEM, day)
        took = time.perf_counter() - t0
        start, _end = coverage.day_bounds(day)
        t0 = time.perf_counter()
        session.execute(select(CheckIn.point_id, func.max(CheckIn.at)).where(CheckIn.at < start)
                        .group_by(CheckIn.point_id)).all()
        bare = time.perf_counter() - t0
    return {"coverage_points": len(result.items), "coverage_checkins": loaded, "coverage_load_s": round(load_s, 1),
            "coverage_s": round(took, 2), "coverage_baseline_bare_scan_s": round(bare, 2),
            "coverage_missed": result.missed}


def main() -> None:
    """Run both phases and print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else "")
    parser.add_argument("--database", choices=["sqlite", "postgresql"], default="sqlite")
    parser.add_argument("--requests", type=int, default=1000, help="check-ins (and cases) over HTTP")
    parser.add_argument("--threads", type=int, default=8)
    parser.add_argument("--points", type=int, default=50_000, help="points for the coverage phase")
    parser.add_argument("--days", type=int, default=60)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="cityloop-gridwork-") as raw, fresh_database(args.database) as url:
        tmp = Path(raw)
        migrate(url, tmp / "var")
        setup_world(tmp, 500)
        figures: dict[str, Any] = {"database": args.database, "requests": args.requests, "threads": args.threads}
        figures |= http_phase(url, tmp, args.requests, args.threads)
        figures |= coverage_phase(args.points, args.days)
    emit(figures)


if __name__ == "__main__":
    main()
