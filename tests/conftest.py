"""Shared fixtures: a fresh database migrated by Alembic for every test (SQLite, or PostgreSQL when set)."""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from cityloop.config import get_settings
from cityloop.kit import clock
from cityloop.kit.db import Base, get_engine, get_sessionmaker, reset_engine

# When set (./test does so if PostgreSQL is reachable), the suite runs against PostgreSQL instead of SQLite.
PG_URL = os.environ.get("CITYLOOP_TEST_PG_URL", "")


def _use(url: str, var_dir: Path) -> None:
    os.environ["CITYLOOP_DATABASE_URL"] = url
    os.environ["CITYLOOP_VAR_DIR"] = str(var_dir)
    # One known key for the whole run (else each test's var dir would get its own generated key).
    os.environ["CITYLOOP_SECRET_KEY"] = "cityloop-test-secret-key"
    os.environ["CITYLOOP_RUN_SWEEPER"] = "false"
    # Each test's app would load the duplicate index and models of a nearly empty database at start; the warm
    # start has its own tests.
    os.environ["CITYLOOP_WARM_START"] = "false"
    # Tests run queued jobs explicitly (jobs.run_pending), never from a background poller.
    os.environ["CITYLOOP_RUN_JOBS"] = "false"
    # The IoT tests run their own ingest worker; app instances must not subscribe (and take readings) beside it.
    os.environ["CITYLOOP_IOT_INGEST"] = "false"
    # Many tests file the same text twice on purpose; auto-merge is switched on by the tests that exercise it.
    os.environ["CITYLOOP_DEDUP_AUTO_MERGE"] = "false"
    # Cheap password hashes keep fixtures fast; production keeps the Argon2 defaults.
    os.environ["CITYLOOP_PASSWORD_TIME_COST"] = "1"
    os.environ["CITYLOOP_PASSWORD_MEMORY_KIB"] = "1024"
    get_settings.cache_clear()
    reset_engine()


@pytest.fixture(scope="session")
def migrated_template(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """Run Alembic to head once: into a SQLite template file or a PostgreSQL schema of this worker."""
    from cityloop.migrate import upgrade

    base = tmp_path_factory.mktemp("template")
    if not PG_URL:
        url = f"sqlite:///{base / 'template.db'}"
        _use(url, base / "var")
        upgrade()
        reset_engine()
        yield str(base / "template.db")
        return
    schema = "t_" + uuid.uuid4().hex[:12]
    admin = create_engine(PG_URL)
    with admin.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    sep = "&" if "?" in PG_URL else "?"
    url = f"{PG_URL}{sep}options=-csearch_path%3D{schema}"
    _use(url, base / "var")
    upgrade()
    reset_engine()
    yield url
    reset_engine()
    with admin.begin() as conn:
        conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
    admin.dispose()


@pytest.fixture
def engine(migrated_template: str, tmp_path: Path) -> Iterator[Engine]:
    """Engine on a fresh, empty, migrated database."""
    if PG_URL:
        _use(migrated_template, tmp_path / "var")
        _truncate_all(get_engine())
    else:
        shutil.copy(migrated_template, tmp_path / "test.db")
        _use(f"sqlite:///{tmp_path / 'test.db'}", tmp_path / "var")
    yield get_engine()
    clock.freeze(None)
    reset_engine()


def _truncate_all(eng: Engine) -> None:
    # TRUNCATE fires no row-level triggers, so the append-only history tables can be emptied between tests.
    names = ", ".join(f'"{t.name}"' for t in Base.metadata.sorted_tables)
    with eng.begin() as conn:
        conn.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))


@pytest.fixture
def db(engine: Engine) -> Iterator[Session]:
    """A session on the fresh database."""
    session = get_sessionmaker()()
    try:
        yield session
    finally:
        session.close()


@pytest.fixture
def world(db: Session, tmp_path: Path):  # type: ignore[no-untyped-def]
    """The small test city of builders.build_world."""
    from builders import build_world

    return build_world(db, tmp_path)


@pytest.fixture
def client(engine: Engine):  # type: ignore[no-untyped-def]
    """A TestClient on the app bound to the fresh database."""
    from fastapi.testclient import TestClient

    from cityloop.app import create_app

    with TestClient(create_app()) as test_client:
        yield test_client


@pytest.fixture
def auth(client):  # type: ignore[no-untyped-def]
    """`auth("dispatcher")` → headers with a bearer token for that test user."""
    from builders import PASSWORD

    cache: dict[str, dict[str, str]] = {}

    def headers(username: str) -> dict[str, str]:
        if username not in cache:
            resp = client.post("/api/v1/auth/token", data={"username": username, "password": PASSWORD})
            assert resp.status_code == 200, resp.text
            cache[username] = {"Authorization": f"Bearer {resp.json()['access_token']}"}
        return cache[username]

    return headers
