"""Cockpit tiles: a formula for every tile, the previous period for comparison, and panels other modules add."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from builders import World, file_case
from cityloop.kit import clock
from cityloop.web.cockpit import data as cockpit_data
from cityloop.web.cockpit import views as cockpit_views

Browser = Callable[[str], TestClient]


def test_every_tile_has_its_formula_and_last_period_counts_as_previous(as_user: Browser, db: Session,
                                                                        world: World) -> None:
    now = clock.utcnow()
    clock.freeze(now - timedelta(days=40))
    file_case(db, world.subjects["agent"])
    clock.freeze(now)
    file_case(db, world.subjects["agent"])
    file_case(db, world.subjects["agent"], title="第二件事情需要处理")
    tiles = {t["key"]: t for t in as_user("leader").get("/cockpit/data?period=30d").json()["tiles"]}
    assert all("=" in t["hint"] or "：" in t["hint"] for t in tiles.values())
    assert (tiles["received"]["value"], tiles["received"]["previous"]) == (2, 1)
    assert tiles["avg_handling_hours"]["unit"] == "hours"
    en = {t["key"]: t for t in as_user("leader").get("/cockpit/data?period=30d&lang=en").json()["tiles"]}
    assert en["received"]["hint"] != tiles["received"]["hint"]


@pytest.fixture
def extra_panel() -> Iterator[None]:
    def provider(*_args: object) -> dict[str, object]:
        return {"extra_panel": {"count": 7}}

    def broken(*_args: object) -> dict[str, object]:
        raise RuntimeError("a panel that fails")

    cockpit_data.PROVIDERS.extend([provider, broken])
    cockpit_views.PANELS.append("_error_fragment.html")
    yield
    cockpit_data.PROVIDERS.remove(provider)
    cockpit_data.PROVIDERS.remove(broken)
    cockpit_views.PANELS.remove("_error_fragment.html")


def test_providers_add_figures_and_a_failing_one_does_not_blank_the_cockpit(as_user: Browser, world: World,
                                                                            extra_panel: None) -> None:
    c = as_user("leader")
    body = c.get("/cockpit/data").json()
    assert body["extra_panel"] == {"count": 7}
    assert body["tiles"]
    page = c.get("/cockpit")
    assert page.status_code == 200
    assert 'class="alert alert-error"' in page.text  # the added panel is drawn inside the cockpit
