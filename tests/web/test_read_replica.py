"""CITYLOOP_READ_DATABASE_URL: KPIs, the cockpit and exports read the replica; everything else the primary."""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from builders import PASSWORD, World, file_case
from cityloop.app import create_app
from cityloop.config import get_settings
from cityloop.kit.db import get_engine, get_read_engine, reset_engine

Browser = Callable[[str], TestClient]
pytestmark = pytest.mark.skipif(bool(os.environ.get("CITYLOOP_TEST_PG_URL")),
                                reason="copies the SQLite file to make the replica")


@pytest.fixture
def replica(engine: Engine, db: Session, world: World, tmp_path: Path) -> Iterator[Path]:
    """A replica holding the 2 cases filed so far; the primary then gets 3 more the replica never sees."""
    for _ in range(2):
        file_case(db, world.subjects["agent"], category_code=None)
    db.commit()
    primary = Path(str(get_engine().url.database))
    copy = tmp_path / "replica.db"
    get_engine().dispose()
    shutil.copy(primary, copy)
    for _ in range(3):
        file_case(db, world.subjects["agent"], category_code=None)
    db.commit()
    os.environ["CITYLOOP_READ_DATABASE_URL"] = f"sqlite:///{copy}"
    get_settings.cache_clear()
    reset_engine()
    yield copy
    os.environ.pop("CITYLOOP_READ_DATABASE_URL", None)
    get_settings.cache_clear()
    reset_engine()


def _headers(client: TestClient, username: str) -> dict[str, str]:
    resp = client.post("/api/v1/auth/token", data={"username": username, "password": PASSWORD})
    assert resp.status_code == 200, resp.text
    return {"Authorization": f"Bearer {resp.json()['access_token']}"}


def test_kpis_cockpit_and_exports_read_the_replica_and_lists_the_primary(replica: Path, as_user: Browser) -> None:
    assert get_read_engine() is not get_engine()
    with TestClient(create_app()) as client:
        leader, dispatcher = _headers(client, "leader"), _headers(client, "dispatcher")
        assert client.get("/api/v1/kpi", headers=leader).json()["received"] == 2
        assert len(client.get("/api/v1/cases", headers=dispatcher).json()["items"]) == 5
    cockpit = as_user("leader").get("/cockpit/data")
    assert cockpit.status_code == 200, cockpit.text
    exported = as_user("dispatcher").get("/dispatch/export?fmt=csv").content.decode("utf-8-sig")
    assert exported.count("小区门口占道经营") == 2
    assert get_engine().url.database != get_read_engine().url.database


def test_without_a_replica_reads_use_the_primary(engine: Engine) -> None:
    assert get_settings().read_database_url == ""
    assert get_read_engine() is get_engine()
