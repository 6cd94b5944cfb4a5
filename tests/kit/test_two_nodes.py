"""Two `cityloop serve` nodes on one database: a login works on both, idempotency holds across them, and when one
node dies mid-load the client's retries on the other lose no case and double none."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from builders import PASSWORD, World
from cityloop.cases.models import Case
from cityloop.cases.rollups.service import refresh
from cityloop.config import get_settings
from cityloop.kit.db import get_sessionmaker

pytestmark = pytest.mark.slow
BODY = {"channel": "hotline", "appeal_type": "complain", "title": "小区门口占道经营",
        "content": "每天晚上有摊贩在小区门口占道经营，影响通行。", "location": {"division_code": "330106"}}


def _port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _start(tmp: Path, name: str) -> tuple[subprocess.Popen[bytes], str]:
    port = _port()
    env = {**os.environ, "CITYLOOP_DATABASE_URL": get_settings().effective_database_url,
           "CITYLOOP_VAR_DIR": str(tmp / name), "CITYLOOP_RUN_SWEEPER": "false", "CITYLOOP_RUN_JOBS": "false",
           "CITYLOOP_IOT_INGEST": "false"}
    cityloop = Path(sys.executable).parent / "cityloop"
    log = (tmp / f"{name}.log").open("wb")
    proc = subprocess.Popen([str(cityloop), "serve", "--host", "127.0.0.1", "--port", str(port)], env=env,
                            stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    return proc, f"http://127.0.0.1:{port}"


def _wait(url: str) -> None:
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"{url}/api/v1/health", timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            time.sleep(0.3)
    raise AssertionError(f"{url} did not start")


@pytest.fixture
def nodes(world: World, db: Session, tmp_path: Path) -> Iterator[list[tuple[subprocess.Popen[bytes], str]]]:
    """Two servers on the test database."""
    db.commit()
    started = [_start(tmp_path, "a"), _start(tmp_path, "b")]
    try:
        for _proc, url in started:
            _wait(url)
        yield started
    finally:
        for proc, _url in started:
            if proc.poll() is None:
                os.killpg(proc.pid, signal.SIGTERM)
                proc.wait(timeout=20)


def _token(url: str) -> dict[str, str]:
    r = httpx.post(f"{url}/api/v1/auth/token", data={"username": "dispatcher", "password": PASSWORD}, timeout=30)
    return {"Authorization": f"Bearer {r.json()['access_token']}"}


def _cases(db: Session) -> int:
    db.expire_all()
    return int(db.scalar(select(func.count()).select_from(Case)) or 0)


def _post(url: str, headers: dict[str, str], key: str) -> int:
    for _ in range(50):
        r = httpx.post(f"{url}/api/v1/cases", json=BODY, headers={**headers, "Idempotency-Key": key}, timeout=30)
        if r.status_code != 409:  # 409: the same key is in flight on the other node; the client tries again
            break
        time.sleep(0.1)
    assert r.status_code in (200, 201), r.text
    return int(r.json()["id"])


def test_a_login_and_an_idempotency_key_hold_across_nodes(nodes, db: Session) -> None:  # type: ignore[no-untyped-def]
    (_a, url_a), (_b, url_b) = nodes
    headers = _token(url_a)
    assert httpx.get(f"{url_b}/api/v1/cases", headers=headers, timeout=30).status_code == 200
    with ThreadPoolExecutor(4) as pool:
        ids = list(pool.map(lambda url: _post(url, headers, "same-call"), [url_a, url_b, url_a, url_b]))
    assert len(set(ids)) == 1
    assert _cases(db) == 1


def test_a_node_killed_mid_load_loses_and_doubles_nothing(nodes, db: Session) -> None:  # type: ignore[no-untyped-def]
    (proc_a, url_a), (_b, url_b) = nodes
    headers = _token(url_b)
    keys = [f"call-{i}" for i in range(12)]
    for key in keys[:6]:
        _post(url_a, headers, key)
    os.killpg(proc_a.pid, signal.SIGKILL)  # the load balancer's next try goes to the other node
    proc_a.wait(timeout=20)
    for key in keys:  # the client retries everything it is not sure of, with the same keys
        _post(url_b, headers, key)
    assert _cases(db) == 12


def test_only_one_node_runs_the_rollup_catch_up_at_a_time(world: World, db: Session) -> None:
    if db.get_bind().dialect.name != "postgresql":
        pytest.skip("SQLite serves one node; the advisory lock is PostgreSQL's")
    first = get_sessionmaker()()
    try:
        assert refresh(first).skipped is False  # holds the lock until its transaction ends
        assert refresh(db).skipped is True
        first.commit()
        assert refresh(db).skipped is False
    finally:
        first.close()
