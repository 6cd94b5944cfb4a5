"""Fixtures of the page tests: an app with the web router, a world of users, logged-in clients."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session
from web_helpers import login, web_app

from builders import World, build_world


@pytest.fixture
def world(db: Session, tmp_path: Path) -> World:
    """Units, one user per role and a taxonomy."""
    return build_world(db, tmp_path)


@pytest.fixture
def client(engine: object) -> Iterator[TestClient]:
    """An anonymous browser."""
    with TestClient(web_app()) as c:
        yield c


@pytest.fixture
def as_user(world: World, engine: object) -> Iterator[Callable[[str], TestClient]]:
    """Factory of browsers logged in as a user of the world."""
    clients: list[TestClient] = []

    def make(username: str) -> TestClient:
        c = TestClient(web_app())
        c.__enter__()
        clients.append(c)
        login(c, username)
        return c

    yield make
    for c in clients:
        c.__exit__(None, None, None)
