"""The base map in headless Chromium: the offline base under the cockpit and case maps (desktop and phone), and
configured tiles instead of it. Screenshots go to var/screenshots/basemap-*.png."""

from __future__ import annotations

import contextlib
import json
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from test_browser import ARGS, CHROMIUM, DRAWN, ROOT, SHOTS, expect

pytestmark = [pytest.mark.browser, pytest.mark.slow]

HERE = Path(__file__).parent
TILES = "http://tiles.invalid/{s}/{z}/{x}/{y}.png"  # answered by the test's request interception, never the network
PNG = bytes.fromhex("89504e470d0a1a0a0000000d4948445200000001000000010802000000907753de0000000c4944415408d763f8cfc0"
                    "00000301010018dd8db00000000049454e44ae426082")
DESKTOP = {"viewport": {"width": 1366, "height": 900}}
PHONE = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True}


def _run(script: str, env: dict[str, str], *args: str) -> dict[str, Any]:
    done = subprocess.run([sys.executable, str(HERE / script), *args], env=env, capture_output=True, text=True,
                          timeout=600, check=False)
    if done.returncode:
        pytest.fail(f"{script} failed:\n{done.stderr[-3000:]}")
    return dict(json.loads(done.stdout.strip().splitlines()[-1]))


@pytest.fixture(scope="module")
def city(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """The demo city (or the test world) in a SQLite file, plus one road of door plates through a case's grid."""
    if not CHROMIUM.exists():
        pytest.skip("Debian chromium is not installed at /usr/bin/chromium (./test installs it)")
    pytest.importorskip("playwright.sync_api", reason="playwright is not installed")
    tmp = tmp_path_factory.mktemp("basemap")
    env = {**os.environ, "CITYLOOP_DATABASE_URL": f"sqlite:///{tmp / 'cityloop.db'}",
           "CITYLOOP_VAR_DIR": str(tmp / "var"), "CITYLOOP_RUN_SWEEPER": "false", "CITYLOOP_RUN_JOBS": "false",
           "PYTHONPATH": os.pathsep.join([str(ROOT / "src"), str(HERE)])}
    for key in [k for k in env if k.startswith("CITYLOOP_TILE_")]:
        del env[key]
    info = _run("browser_seed.py", env, "60")
    return {**info, **_run("browser_roads.py", env), "env": env}


@contextlib.contextmanager
def _serve(env: dict[str, str]) -> Iterator[str]:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = int(s.getsockname()[1])
    proc = subprocess.Popen([sys.executable, "-m", "uvicorn", "--factory", "browser_app:app", "--host", "127.0.0.1",
                             "--port", str(port), "--log-level", "warning"], env=env, cwd=HERE)
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(120):
            with contextlib.suppress(httpx.HTTPError):
                if httpx.get(base + "/static/css/map.css", timeout=1).status_code == 200:
                    break
            time.sleep(0.25)
        else:
            pytest.fail("the app did not start")
        yield base
    finally:
        proc.terminate()
        proc.wait(timeout=10)


@pytest.fixture(scope="module")
def offline(city: dict[str, Any]) -> Iterator[str]:
    """The app without tile settings."""
    with _serve(city["env"]) as base:
        yield base


@pytest.fixture(scope="module")
def browser(city: dict[str, Any]) -> Iterator[Any]:
    """Headless Debian chromium."""
    from playwright.sync_api import sync_playwright

    SHOTS.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=ARGS)
        yield b
        b.close()


def _page(browser: Any, base: str, city: dict[str, Any], size: dict[str, Any]) -> tuple[Any, list[str], list[str]]:
    """A page logged in as the leader; JavaScript errors and requested URLs are recorded."""
    context = browser.new_context(locale="zh-CN", base_url=base, **size)
    page, errors, urls = context.new_page(), [], []
    page.on("pageerror", lambda exc: errors.append(f"pageerror: {exc}"))
    page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
    page.on("request", lambda req: urls.append(req.url))
    context.route("http://tiles.invalid/**", lambda route: route.fulfill(status=200, content_type="image/png",
                                                                          body=PNG))
    page.goto("/login")
    page.fill("#f-username", "leader")
    page.fill("#f-password", city["password"])
    page.click("form[action='/login'] button[type=submit]")
    page.wait_for_load_state("networkidle")
    return page, errors, urls


@pytest.mark.parametrize(("size", "name"), [(DESKTOP, "desktop"), (PHONE, "phone")])
def test_cockpit_and_case_maps_draw_the_offline_base(browser: Any, offline: str, city: dict[str, Any],
                                                     size: dict[str, Any], name: str) -> None:
    page, errors, _ = _page(browser, offline, city, size)
    page.goto("/cockpit")
    page.wait_for_selector("#cockpit-map[data-base=offline]", timeout=20000)
    assert int(page.get_attribute("#cockpit-map", "data-base-features") or 0) > 0
    # Zoomed out to the whole city, district names show and street names wait for a closer zoom.
    assert page.locator("#cockpit-map .base-label-3:visible").count() >= 1
    assert page.locator("#cockpit-map .base-label-4:visible").count() == 0
    page.wait_for_timeout(1000)
    page.locator("#cockpit-map").screenshot(path=str(SHOTS / f"basemap-cockpit-{name}.png"))

    page.goto(f"/cases/{city['case_id']}")
    page.wait_for_selector("#case-map[data-base=offline]")
    expect(page.locator("#case-map")).to_have_attribute("data-grids", DRAWN)
    page.wait_for_timeout(500)
    # The road laid through the case's grid is drawn and named (once per street it runs through).
    assert page.locator("#case-map .base-label-road:visible", has_text=city["road"]).count() >= 1
    assert page.locator("#case-map .base-label-5:visible").count() >= 1  # so is the community around the case
    assert "底图" in page.inner_text("#case-map .leaflet-control-attribution")
    page.locator("#case-map").screenshot(path=str(SHOTS / f"basemap-case-{name}.png"))
    assert not errors, errors
    page.context.close()


def test_configured_tiles_replace_the_offline_base(browser: Any, city: dict[str, Any]) -> None:
    env = {**city["env"], "CITYLOOP_TILE_URL": TILES, "CITYLOOP_TILE_SUBDOMAINS": "01",
           "CITYLOOP_TILE_ATTRIBUTION": "天地图 <审图号>"}
    with _serve(env) as base:
        page, errors, urls = _page(browser, base, city, DESKTOP)
        page.goto(f"/cases/{city['case_id']}")
        page.wait_for_selector("#case-map[data-base=tiles]")
        page.wait_for_selector("#case-map img.leaflet-tile-loaded")
        assert "天地图 <审图号>" in page.inner_text("#case-map .leaflet-control-attribution")  # as text, not HTML
        tiles = [u for u in urls if u.startswith("http://tiles.invalid/")]
        assert tiles
        assert {u.split("/")[3] for u in tiles} <= {"0", "1"}
        assert not [u for u in urls if "/api/v1/basemap" in u]
        assert not errors, errors
        page.context.close()
