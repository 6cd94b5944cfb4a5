"""Helpers shared by bench scripts: percentiles, JSON output, fresh databases, migrations, a server subprocess."""

from __future__ import annotations

import contextlib
import json
import math
import os
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy.engine import make_url

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_PG_ADMIN_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
_CLK_TCK = os.sysconf("SC_CLK_TCK")


def percentile(values: Sequence[float], q: float) -> float:
    """The q-th percentile (0-100) with linear interpolation between closest ranks; NaN when empty."""
    if not values:
        return math.nan
    ordered = sorted(values)
    pos = (len(ordered) - 1) * q / 100.0
    lo, hi = math.floor(pos), math.ceil(pos)
    return ordered[lo] + (ordered[hi] - ordered[lo]) * (pos - lo)


def median_ms(fn: Any, repeat: int, digits: int = 1) -> float:
    """Median wall time of `fn` in milliseconds after one warm-up call."""
    fn()
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append((time.perf_counter() - start) * 1000)
    return round(statistics.median(times), digits)


def emit(figures: dict[str, Any]) -> None:
    """Print the one JSON object a bench script outputs."""
    sys.stdout.write(json.dumps(figures, ensure_ascii=False) + "\n")
    sys.stdout.flush()


def dbapi_dsn(url: str) -> str:
    """A libpq connection string for psycopg from a SQLAlchemy PostgreSQL URL."""
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


def sqlite_path(url: str) -> str:
    """The file path of a SQLite SQLAlchemy URL."""
    return url.split("///", 1)[-1]


@contextlib.contextmanager
def fresh_database(kind: str, pg_admin_url: str = DEFAULT_PG_ADMIN_URL, keep: bool = False) -> Iterator[str]:
    """Yield the SQLAlchemy URL of a new, empty database (a temp SQLite file or a new PostgreSQL database)."""
    if kind == "sqlite":
        with tempfile.TemporaryDirectory(prefix="cityloop-bench-") as tmp:
            yield f"sqlite:///{Path(tmp) / 'bench.db'}"
        return
    if kind != "postgresql":
        raise ValueError(f"unknown database kind {kind!r}")
    import psycopg

    name = "cityloop_bench_" + uuid.uuid4().hex[:10]
    admin = dbapi_dsn(pg_admin_url)
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        yield make_url(pg_admin_url).set(database=name).render_as_string(hide_password=False)
    finally:
        if not keep:
            with psycopg.connect(admin, autocommit=True) as conn:
                conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


BENCH_SECRET_KEY = "bench-only-key-never-for-production-4f1c9a7e2b"


def server_env(url: str, var_dir: Path) -> dict[str, str]:
    """Environment for CityLoop pointing at `url`, with the SLA sweeper and duplicate auto-merge off.

    The synthetic payloads reuse a handful of texts, so auto-merge would merge most of them; duplicate screening
    itself still runs on every case.
    """
    # One key for every bench run: a database reused across runs (fresh var/ each time) must pass the key check.
    key = os.environ.get("CITYLOOP_SECRET_KEY", BENCH_SECRET_KEY)
    return {**os.environ, "CITYLOOP_DATABASE_URL": url, "CITYLOOP_VAR_DIR": str(var_dir), "CITYLOOP_SECRET_KEY": key,
            "CITYLOOP_RUN_SWEEPER": "false", "CITYLOOP_KEEP_ALIVE_SECONDS": "120", "CITYLOOP_DEDUP_AUTO_MERGE": "false"}


def use_database(url: str, var_dir: Path) -> None:
    """Point this process's CityLoop settings, engine and caches at `url`."""
    from cityloop.config import get_settings
    from cityloop.kit.db import reset_engine

    os.environ.update({k: v for k, v in server_env(url, var_dir).items() if k.startswith("CITYLOOP_")})
    get_settings.cache_clear()
    reset_engine()


def migrate(url: str, var_dir: Path) -> None:
    """Run Alembic to head on `url` (with CITYLOOP_DATABASE_URL set, as `cityloop db upgrade` does)."""
    from cityloop.migrate import upgrade

    use_database(url, var_dir)
    upgrade()


def free_port() -> int:
    """A TCP port free on 127.0.0.1 right now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class Server:
    """A running `cityloop serve` subprocess."""

    process: subprocess.Popen[bytes]
    base_url: str
    log_path: Path

    @property
    def pid(self) -> int:
        """Pid of the uvicorn parent (with workers > 1, the supervisor)."""
        return self.process.pid


def _cityloop_command() -> list[str]:
    script = Path(sys.executable).parent / "cityloop"
    if script.exists():
        return [str(script)]
    return [sys.executable, "-c", "from cityloop.cli import app; app()"]


@contextlib.contextmanager
def running_server(url: str, var_dir: Path, workers: int, port: int | None = None,
                   timeout: float = 60.0) -> Iterator[Server]:
    """Start `cityloop serve --workers K --port P` on `url`, wait for /api/v1/health, stop it afterwards."""
    port = port or free_port()
    var_dir.mkdir(parents=True, exist_ok=True)
    log_path = var_dir / f"server-{port}.log"
    cmd = [*_cityloop_command(), "serve", "--host", "127.0.0.1", "--port", str(port), "--workers", str(workers)]
    with log_path.open("wb") as log:
        proc = subprocess.Popen(cmd, env=server_env(url, var_dir), cwd=ROOT, stdout=log, stderr=subprocess.STDOUT,
                                start_new_session=True)
    server = Server(proc, f"http://127.0.0.1:{port}", log_path)
    try:
        _wait_healthy(server, timeout)
        _wait_started(server, workers, timeout)
        yield server
    finally:
        stop_server(server)


def _wait_healthy(server: Server, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            raise RuntimeError(f"server exited early:\n{server.log_path.read_text(errors='replace')[-3000:]}")
        with contextlib.suppress(httpx.HTTPError):
            if httpx.get(server.base_url + "/api/v1/health", timeout=1.0).status_code == 200:
                return
        time.sleep(0.2)
    raise RuntimeError(f"server not healthy after {timeout}s:\n{server.log_path.read_text(errors='replace')[-3000:]}")


def _wait_started(server: Server, workers: int, timeout: float) -> None:
    """Wait until every worker has finished its start-up (warm start included) and takes connections.

    The first worker to answer the health check says nothing of the others: a load started then lands on it alone.
    """
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.log_path.read_text(errors="replace").count("Application startup complete") >= workers:
            return
        time.sleep(0.2)
    raise RuntimeError(f"{workers} workers not started after {timeout}s:\n"
                       f"{server.log_path.read_text(errors='replace')[-3000:]}")


def stop_server(server: Server) -> None:
    """SIGTERM the server's process group (uvicorn and its workers), SIGKILL if it lingers."""
    if server.process.poll() is not None:
        return
    with contextlib.suppress(ProcessLookupError):
        os.killpg(server.process.pid, signal.SIGTERM)
    try:
        server.process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(server.process.pid, signal.SIGKILL)
        server.process.wait(timeout=5)


def _descendants(pid: int) -> list[int]:
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        with contextlib.suppress(OSError, IndexError, ValueError):
            stat = (entry / "stat").read_text()
            ppid = int(stat.rsplit(")", 1)[1].split()[1])
            children.setdefault(ppid, []).append(int(entry.name))
    out, frontier = [pid], [pid]
    while frontier:
        frontier = [c for p in frontier for c in children.get(p, [])]
        out.extend(frontier)
    return out


def tree_cpu_seconds(pid: int) -> float:
    """User + system CPU seconds used so far by `pid` and its live descendants (Linux /proc)."""
    total = 0
    for p in _descendants(pid):
        with contextlib.suppress(OSError, IndexError, ValueError):
            fields = Path(f"/proc/{p}/stat").read_text().rsplit(")", 1)[1].split()
            total += int(fields[11]) + int(fields[12])  # utime, stime
    return total / _CLK_TCK


def connections_per_process(root_pid: int, port: int) -> list[int]:
    """Established TCP connections on local `port` held by each process of `root_pid`'s tree, busiest first."""
    inodes: set[str] = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        with contextlib.suppress(OSError):
            for line in Path(table).read_text().splitlines()[1:]:
                fields = line.split()
                if fields[3] == "01" and int(fields[1].rsplit(":", 1)[1], 16) == port:  # 01 = ESTABLISHED
                    inodes.add(fields[9])
    counts = []
    for pid in _descendants(root_pid):
        held = 0
        with contextlib.suppress(OSError):
            for fd in Path(f"/proc/{pid}/fd").iterdir():
                with contextlib.suppress(OSError):
                    link = os.readlink(fd)
                    held += link.startswith("socket:[") and link[8:-1] in inodes
        if held:
            counts.append(held)
    return sorted(counts, reverse=True)


def host_cpu_times() -> tuple[float, float]:
    """(busy, total) jiffies of all cores since boot, from /proc/stat."""
    values = [int(v) for v in Path("/proc/stat").read_text().splitlines()[0].split()[1:]]
    idle = values[3] + values[4]  # idle + iowait
    total = sum(values[:8])  # steal included, guest already counted in user
    return float(total - idle), float(total)


def host_busy_ratio(before: tuple[float, float], after: tuple[float, float]) -> float:
    """Share of all cores' time that was busy between two `host_cpu_times` samples (includes other users)."""
    busy, total = after[0] - before[0], after[1] - before[1]
    return busy / total if total > 0 else math.nan
