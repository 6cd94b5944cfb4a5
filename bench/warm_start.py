"""The first cases after a restart, with the warm start on and off (the baseline, same run); prints ONE JSON object.

One fresh, migrated database with the small world of the test builders. For each setting, `cityloop serve` (one
worker) is started, and the hotline agent files a few cases one after another, without category or division (so
the locators, suggesters and duplicate screening all run); the fourth repeats the first, so screening finds a
duplicate and segments its shared words. Reported: seconds from start to the first health answer, and each case's
latency. Without a warm start the first case and the first duplicate pay for loading the gazetteer, the segmenter
and the duplicate index.
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx
from _common import emit, fresh_database, migrate, running_server
from intake import login, payloads, setup_world

CASES = 6
REPEAT_AT = 3  # the fourth case repeats the first one's text


def _bodies(seed: int) -> list[dict[str, Any]]:
    bodies = payloads(CASES, seed)
    for body in bodies:
        body.pop("category_code")
        body["location"].pop("division_code")
    first = bodies[0]
    bodies[REPEAT_AT] = {**bodies[REPEAT_AT], "title": first["title"], "content": first["content"],
                         "location": first["location"]}
    return bodies


def phase(url: str, var_dir: Path, warm: bool, seed: int) -> dict[str, Any]:
    """Start one worker with the warm start on or off; time the start and the first cases."""
    os.environ["CITYLOOP_WARM_START"] = "true" if warm else "false"
    started = time.perf_counter()
    with running_server(url, var_dir, 1) as server:
        ready = time.perf_counter() - started
        token = login(server.base_url)
        latencies = []
        with httpx.Client(base_url=server.base_url, headers={"Authorization": f"Bearer {token}"}, timeout=120) as http:
            for body in _bodies(seed):
                start = time.perf_counter()
                resp = http.post("/api/v1/cases", json=body)
                latencies.append(round((time.perf_counter() - start) * 1000, 1))
                resp.raise_for_status()
    return {"start_s": round(ready, 2), "first_case_ms": latencies[0], "first_duplicate_ms": latencies[REPEAT_AT],
            "max_ms": max(latencies), "cases_ms": latencies}


def main() -> None:
    """Parse options, run both phases, print the JSON object."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database", choices=["sqlite", "postgresql"], default="postgresql")
    parser.add_argument("--pg-admin-url", default="postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
    args = parser.parse_args()
    figures: dict[str, Any] = {"database": args.database}
    with tempfile.TemporaryDirectory(prefix="cityloop-bench-var-") as tmp, \
            fresh_database(args.database, args.pg_admin_url) as url:
        migrate(url, Path(tmp) / "var")
        setup_world(Path(tmp))
        # Each phase gets texts of its own, so the second one finds no duplicate the first one filed.
        baseline = phase(url, Path(tmp) / "cold", False, seed=1)
        warm = phase(url, Path(tmp) / "warm", True, seed=2)
    figures.update({f"warm_{k}": v for k, v in warm.items()})
    figures.update({f"baseline_{k}": v for k, v in baseline.items()})
    figures["first_case_speedup"] = round(baseline["first_case_ms"] / warm["first_case_ms"], 1)
    emit(figures)


if __name__ == "__main__":
    main()
