"""Fixtures of the Open311 tests: the small test city, an Open311 client's API key, a form poster."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from sqlalchemy.orm import Session

from cityloop.accounts import service as accounts
from cityloop.kit.auth import Role

BASE = "/open311/v2"


@pytest.fixture
def api_key(world: Any, db: Session) -> str:
    """A key for an Open311 client app: a staff integration filing city-wide, as `cityloop users api-key` makes."""
    _key, secret = accounts.create_api_key(db, "open311-app", [Role.AGENT], "3301")
    db.commit()
    return secret


@pytest.fixture
def post(client: Any, api_key: str) -> Callable[..., Any]:
    """`post(fmt="json", headers=None, **fields)`: a form-encoded POST requests.{fmt} with sensible defaults."""

    def send(fmt: str = "json", headers: dict[str, str] | None = None, **fields: Any) -> Any:
        form = {"api_key": api_key, "service_code": "010101", "lat": "30.2741", "long": "120.1551",
                "description": "小区门口有人占道摆摊，晚上很吵", "first_name": "三", "last_name": "张",
                "phone": "13912345678", "email": "zhang@example.com"}
        form.update(fields)
        return client.post(f"{BASE}/requests.{fmt}", data={k: v for k, v in form.items() if v is not None},
                           headers=headers or {})

    return send
