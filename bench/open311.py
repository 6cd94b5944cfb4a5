"""Open311 POST requests.json against the native POST /api/v1/cases over HTTP, same server and run; ONE JSON object.

One fresh, migrated database with the test builders' small world (units, users, taxonomy); `cityloop serve` as a
subprocess; N concurrent keep-alive httpx clients post for S seconds to each endpoint in turn (alternating
phases, so drift on a shared machine hits both). Open311 bodies are form-encoded with an API key (verified on
every request, as the spec sends it) and lat/long; native bodies are the same report as JSON with a bearer token.
The load generator runs in this process on the same machine: `host_cpu_busy_ratio` says how busy it all was.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx
from _common import ROOT, emit, fresh_database, host_busy_ratio, host_cpu_times, migrate, percentile, running_server

sys.path.insert(0, str(ROOT / "tests"))
import builders  # noqa: E402 - the test builders live outside the package; reuse their small world

TEXTS = ["小区门口有人占道摆摊，晚上很吵", "早餐摊占用人行道，行人只能走机动车道", "夜市摊贩堵塞消防通道，请处理"]


def setup(tmp: Path) -> str:
    """The small world and an Open311 client's API key (agent role, city-wide); returns the clear key."""
    from cityloop.accounts import service as accounts
    from cityloop.kit.auth import Role
    from cityloop.kit.db import session_scope

    with session_scope() as session:
        builders.build_world(session, tmp)
        _key, secret = accounts.create_api_key(session, "open311-bench", [Role.AGENT], builders.CITY)
    return secret


def open311_request(api_key: str, i: int) -> dict[str, Any]:
    """Arguments of one Open311 POST."""
    form = {"api_key": api_key, "service_code": "010101", "lat": f"{30.2 + (i % 97) / 1000:.4f}",
            "long": f"{120.1 + (i % 89) / 1000:.4f}", "description": f"{TEXTS[i % 3]}（{i}）",
            "first_name": "三", "last_name": "张", "phone": f"138{i % 10**8:08d}"}
    return {"url": "/open311/v2/requests.json", "data": form}


def native_request(token: str, i: int) -> dict[str, Any]:
    """Arguments of one POST /api/v1/cases carrying the same report."""
    body = {"channel": "open311", "appeal_type": "event", "title": TEXTS[i % 3][:60],
            "content": f"{TEXTS[i % 3]}（{i}）", "category_code": "010101",
            "reporter": {"name": "张三", "phone": f"138{i % 10**8:08d}"},
            "location": {"lat": 30.2 + (i % 97) / 1000, "lng": 120.1 + (i % 89) / 1000}}
    return {"url": "/api/v1/cases", "json": body, "headers": {"Authorization": f"Bearer {token}"}}


async def load(base_url: str, make: Any, clients: int, seconds: float, expect: int) -> dict[str, Any]:
    """`clients` concurrent posters for `seconds`; latencies of the successful ones, errors counted."""
    latencies: list[float] = []
    errors: list[str] = []
    counter = iter(range(10**9))
    deadline = time.perf_counter() + seconds

    async def client() -> None:
        async with httpx.AsyncClient(base_url=base_url, timeout=30.0) as http:
            while time.perf_counter() < deadline:
                started = time.perf_counter()
                resp = await http.post(**make(next(counter)))
                if resp.status_code == expect:
                    latencies.append(time.perf_counter() - started)
                else:
                    errors.append(f"{resp.status_code} {resp.text[:200]}")

    started = time.perf_counter()
    await asyncio.gather(*(client() for _ in range(clients)))
    wall = time.perf_counter() - started
    return {"requests_per_s": round(len(latencies) / wall, 1), "p50_ms": round(percentile(latencies, 50) * 1000, 1),
            "p95_ms": round(percentile(latencies, 95) * 1000, 1), "ok": len(latencies), "errors": len(errors),
            "first_error": errors[0] if errors else ""}


def run(args: argparse.Namespace) -> dict[str, Any]:
    """Set up, serve, load both endpoints in alternating rounds, and summarise."""
    with fresh_database(args.database) as url, tempfile.TemporaryDirectory(prefix="cityloop-o311-") as tmp_dir:
        tmp = Path(tmp_dir)
        migrate(url, tmp / "var")
        api_key = setup(tmp)
        workers = args.workers or (2 if args.database == "postgresql" else 1)
        with running_server(url, tmp / "var", workers=workers) as server:
            resp = httpx.post(server.base_url + "/api/v1/auth/token",
                              data={"username": "agent", "password": builders.PASSWORD})
            resp.raise_for_status()
            token = resp.json()["access_token"]
            phases = {"open311": (lambda i: open311_request(api_key, i), 200),
                      "native": (lambda i: native_request(token, i), 201)}
            for make, expect in phases.values():  # untimed warm-up of both paths
                asyncio.run(load(server.base_url, make, args.clients, args.warmup, expect))
            rounds: dict[str, list[dict[str, Any]]] = {name: [] for name in phases}
            cpu_before = host_cpu_times()
            for _ in range(args.rounds):
                for name, (make, expect) in phases.items():
                    rounds[name].append(asyncio.run(load(server.base_url, make, args.clients, args.seconds, expect)))
            busy = host_busy_ratio(cpu_before, host_cpu_times())
    best = {name: max(r["requests_per_s"] for r in results) for name, results in rounds.items()}
    return {"database": args.database, "workers": workers, "clients": args.clients, "seconds": args.seconds,
            "rounds": args.rounds, "open311_requests_per_s": best["open311"],
            "native_cases_per_s": best["native"],
            "open311_to_native_ratio": round(best["open311"] / best["native"], 3) if best["native"] else None,
            "open311": rounds["open311"], "native": rounds["native"], "host_cpu_busy_ratio": round(busy, 3)}


def main() -> None:
    """Parse options, run, print the JSON object."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database", choices=["sqlite", "postgresql"], default="sqlite")
    parser.add_argument("--clients", type=int, default=8, help="concurrent keep-alive clients")
    parser.add_argument("--seconds", type=float, default=5.0, help="length of each measured phase")
    parser.add_argument("--rounds", type=int, default=2, help="alternating open311/native rounds; best is reported")
    parser.add_argument("--warmup", type=float, default=1.0, help="untimed seconds per endpoint before measuring")
    parser.add_argument("--workers", type=int, default=None, help="uvicorn workers (2 on PostgreSQL, 1 on SQLite)")
    emit(run(parser.parse_args()))


if __name__ == "__main__":
    main()
