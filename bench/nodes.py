"""Two app nodes against one under the same HTTP intake load, on one database; prints ONE JSON object.

Each phase starts on a fresh, migrated database with the small world of the test builders: first ONE
`cityloop serve` process (the baseline, same run), then TWO processes on different ports sharing the database.
The same number of keep-alive clients POST /api/v1/cases; in the two-node phase client c talks to node c mod 2,
as a round-robin load balancer would. Reported: cases/s, p99, server CPU per case, and how busy the host's CPUs
were, because on a 2-core machine the load generator, PostgreSQL and the nodes share the same cores and the
ratio says more about the machine than about the nodes when the host is saturated.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from multiprocessing import get_context
from pathlib import Path
from typing import Any

from _common import (
    emit,
    fresh_database,
    host_busy_ratio,
    host_cpu_times,
    migrate,
    percentile,
    running_server,
    tree_cpu_seconds,
)
from intake import Load, count_cases, login, nodes_phase, payloads, setup_world


def phase(kind: str, nodes: int, load: Load, pg_admin_url: str) -> dict[str, Any]:
    """One fresh database, `nodes` servers of one worker each, the load spread over them."""
    import json

    bodies = [json.dumps(b, ensure_ascii=False).encode() for b in payloads(2000)]
    with tempfile.TemporaryDirectory(prefix="cityloop-nodes-") as tmp, fresh_database(kind, pg_admin_url) as url:
        var_dir = Path(tmp) / "var"
        migrate(url, var_dir)
        setup_world(Path(tmp))
        before = count_cases()
        with contextlib.ExitStack() as stack:
            servers = [stack.enter_context(running_server(url, var_dir, 1)) for _ in range(nodes)]
            token = login(servers[0].base_url)  # signed tokens: a login on one node works on every node
            with ProcessPoolExecutor(1, mp_context=get_context("spawn")) as pool:
                pool.submit(time.sleep, 0).result()
                cpu0, host0 = sum(tree_cpu_seconds(s.pid) for s in servers), host_cpu_times()
                result = pool.submit(nodes_phase, [s.base_url for s in servers], token, bodies, load).result()
                cpu, host1 = sum(tree_cpu_seconds(s.pid) for s in servers) - cpu0, host_cpu_times()
        created = count_cases() - before
    n = len(result.latencies)
    return {"per_s": round(n / result.wall, 1) if result.wall else 0.0, "cases": n, "errors": result.errors,
            "cases_created": created, "p99_ms": round(percentile(result.latencies, 99) * 1000, 1),
            "server_cpu_ms_per_case": round(cpu / max(n + result.warmup_ops, 1) * 1000, 2),
            "host_cpu_busy_ratio": round(host_busy_ratio(host0, host1), 3)}


def main() -> None:
    """Parse options, run both phases, print the JSON object."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database", choices=["sqlite", "postgresql"], default="postgresql")
    parser.add_argument("--pg-admin-url", default="postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--warmup", type=float, default=2.0)
    args = parser.parse_args()
    load = Load(args.clients, args.seconds, None, args.warmup, 0.05)
    one = phase(args.database, 1, load, args.pg_admin_url)
    two = phase(args.database, 2, load, args.pg_admin_url)
    emit({"database": args.database, "clients": args.clients, "cores": os.cpu_count(),
          "one_node_per_s": one["per_s"], "two_nodes_per_s": two["per_s"],
          "two_vs_one_ratio": round(two["per_s"] / one["per_s"], 3) if one["per_s"] else None,
          "one_node": one, "two_nodes": two})


if __name__ == "__main__":
    main()
