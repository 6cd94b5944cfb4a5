"""The 一网共享 story in headless Chromium at phone width: request, two approvals, the key shown once, then used."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from browser_server import seeded_server
from builders import PASSWORD

CHROMIUM = Path("/usr/bin/chromium")
HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[2]
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--no-first-run"]
PHONE = {"width": 375, "height": 800}

pytestmark = [pytest.mark.browser, pytest.mark.slow]



@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    """The sharing world in a SQLite file, served by uvicorn on a loopback port."""
    if not CHROMIUM.exists():
        pytest.skip("Debian chromium is not installed at /usr/bin/chromium")
    pytest.importorskip("playwright.sync_api", reason="playwright is not installed")
    tmp = tmp_path_factory.mktemp("sharing-browser")
    with seeded_server(tmp, [str(HERE / "sharing_browser_seed.py")], "cityloop.app:create_app", HERE) as info:
        yield info


def _page(browser: Any, base: str, username: str) -> Any:
    page = browser.new_context(locale="zh-CN", base_url=base, viewport=PHONE).new_page()
    page.goto("/login")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_load_state()
    return page


def _fits(page: Any) -> bool:
    return bool(page.evaluate("document.documentElement.scrollWidth <= window.innerWidth"))


def test_the_sharing_story_on_a_phone(server: dict[str, Any]) -> None:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=ARGS)
        try:
            zj = _page(browser, server["base"], "zj_handler")
            zj.goto("/sharing")
            assert _fits(zj)
            zj.click("a[href='/sharing/resources/cg-cases/request']")
            zj.fill("textarea[name=purpose]", "住房安全排查，核对相关投诉")
            for name in ("id", "title", "reporter_phone"):
                zj.check(f"input[name=fields][value={name}]")
            assert _fits(zj)
            zj.click("#request-form button[type=submit]")
            request_url = zj.url
            assert "待数源单位审批" in zj.inner_text("h1")
            lead = _page(browser, server["base"], "cg_lead")
            lead.goto(request_url)
            lead.click("form[action$='/approve_owner'] button")
            assert "待数据局复核" in lead.inner_text("h1")
            admin = _page(browser, server["base"], "admin")
            admin.goto(request_url)
            admin.click("form[action$='/approve_bureau'] button")
            key = admin.inner_text("#issued-key code").strip()
            assert key.startswith("cls_")
            assert _fits(admin)
            admin.goto(request_url)
            assert admin.locator("#issued-key").count() == 0  # shown once
            answer = httpx.get(f"{server['base']}/api/v1/share/data/cg-cases", headers={"X-API-Key": key})
            assert answer.status_code == 200
            assert len(answer.json()["items"]) == server["cases"]
            assert all(set(i) == {"id", "title", "reporter_phone"} for i in answer.json()["items"])
        finally:
            browser.close()
