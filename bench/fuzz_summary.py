"""Summarise schemathesis NDJSON event files (one per role) of bench/fuzz.sh as one JSON object."""

from __future__ import annotations

import argparse
import json
from collections import Counter
from pathlib import Path
from typing import Any

from _common import emit


def summarise(path: Path) -> dict[str, Any]:
    """Requests, 5xx answers, failed checks by name and the operations they failed on, for one event file."""
    requests = server_errors = errors = 0
    statuses: Counter[str] = Counter()
    failed: Counter[str] = Counter()
    where: dict[str, set[str]] = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        event = json.loads(line)
        if "NonFatalError" in event:
            errors += 1
        finished = event.get("ScenarioFinished")
        if not finished:
            continue
        recorder = finished["recorder"]
        for interaction in recorder.get("interactions", {}).values():
            status = (interaction.get("response") or {}).get("status_code")
            requests += 1
            statuses[f"{status // 100}xx" if status else "none"] += 1
            server_errors += bool(status and status >= 500)
        for checks in recorder.get("checks", {}).values():
            for check in checks:
                if check["status"] == "failure":
                    failed[check["name"]] += 1
                    where.setdefault(check["name"], set()).add(recorder["label"])
    return {"requests": requests, "server_errors": server_errors, "statuses": dict(sorted(statuses.items())),
            "failed_checks": dict(failed), "failed_operations": {k: sorted(v) for k, v in where.items()},
            "schemathesis_errors": errors}


def main() -> None:
    """Print the summary of every role and the totals."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("reports", nargs="+", type=Path, help="NDJSON files, named <role>.ndjson")
    parser.add_argument("--seconds", type=int, required=True)
    parser.add_argument("--database", required=True)
    parser.add_argument("--server-log", type=Path)
    args = parser.parse_args()
    roles = {path.stem: summarise(path) for path in args.reports if path.exists()}
    tracebacks = args.server_log.read_text(encoding="utf-8").count("Traceback") if args.server_log else None
    failed: Counter[str] = Counter()
    for role in roles.values():
        failed.update(role["failed_checks"])
    emit({"database": args.database, "seconds_per_role": args.seconds,
          "requests": sum(r["requests"] for r in roles.values()),
          "server_errors": sum(r["server_errors"] for r in roles.values()),
          "failed_checks": dict(failed), "server_tracebacks": tracebacks, "roles": roles})


if __name__ == "__main__":
    main()
