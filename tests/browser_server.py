"""A seeded SQLite database served by uvicorn on a free loopback port: the fixture every browser test file uses."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest

ROOT = Path(__file__).resolve().parents[1]


def free_port() -> int:
    """A port nothing listens on right now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def seeded_server(tmp: Path, seed: Sequence[str], app: str, here: Path, jobs: bool = False
                  ) -> Iterator[dict[str, Any]]:
    """Run the seed script (its last stdout line is JSON), serve `app` (a uvicorn factory), yield that JSON + base."""
    env = {**os.environ, "CITYLOOP_DATABASE_URL": f"sqlite:///{tmp / 'cityloop.db'}",
           "CITYLOOP_VAR_DIR": str(tmp / "var"), "CITYLOOP_RUN_SWEEPER": "false",
           "CITYLOOP_RUN_JOBS": "true" if jobs else "false",
           "CITYLOOP_IOT_INGEST": "false",
           "PYTHONPATH": os.pathsep.join([str(ROOT / "src"), str(ROOT / "tests"), str(here)])}
    seeded = subprocess.run([sys.executable, *seed], env=env, capture_output=True, text=True, timeout=600,
                            check=False)
    if seeded.returncode:
        pytest.fail(f"seeding failed:\n{seeded.stderr[-3000:]}")
    info: dict[str, Any] = json.loads(seeded.stdout.strip().splitlines()[-1])
    port = free_port()
    proc = subprocess.Popen([sys.executable, "-m", "uvicorn", "--factory", app, "--host", "127.0.0.1",
                             "--port", str(port), "--log-level", "warning"], env=env, cwd=here)
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(120):
            try:
                if httpx.get(base + "/static/css/app.css", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            time.sleep(0.25)
        else:
            pytest.fail("the app did not start")
        yield {**info, "base": base}
    finally:
        proc.terminate()
        proc.wait(timeout=10)
