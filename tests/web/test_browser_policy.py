"""A firm logs in on a phone and sees its policies with the reasons (headless Chromium, app on loopback)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from test_browser import CHROMIUM, Tab, browser  # noqa: F401 - the loop walk's browser fixture

from browser_server import seeded_server

pytestmark = [pytest.mark.browser, pytest.mark.slow]
PHONE = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True}


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    """A database with the demo registry and `firm`, served by uvicorn on a free loopback port."""
    if not CHROMIUM.exists():
        pytest.skip("Debian chromium is not installed at /usr/bin/chromium (./test installs it)")
    pytest.importorskip("playwright.sync_api", reason="playwright is not installed")
    tmp = tmp_path_factory.mktemp("browser-policy")
    here = Path(__file__).parent
    with seeded_server(tmp, [str(here / "browser_policy_seed.py")], "browser_app:app", here) as info:
        yield info


def test_a_firm_sees_its_policies_with_reasons_on_a_phone(browser: Any, server: dict[str, Any]) -> None:  # noqa: F811
    tab = Tab(browser, server, **PHONE)
    try:
        tab.login("firm")
        page = tab.page
        assert page.url.endswith("/my/policies")
        assert server["name"] in page.inner_text("main")
        eligible = page.locator("article[data-status=eligible]")
        assert eligible.count() >= 2
        first = eligible.first
        assert first.locator("ul.passed li").count() >= 1
        assert "当前" in first.locator("ul.passed li").first.inner_text()
        near = page.locator("article[data-status=near_miss]").first
        assert "当前" in near.locator("ul.missing li").first.inner_text()
        assert page.evaluate("document.documentElement.scrollWidth") <= 390
        tab.shot("policy-firm-390")
        page.goto("/my/policies?lang=en")
        assert "now" in page.locator("article[data-status=near_miss] ul.missing li").first.inner_text()
        assert not tab.errors, tab.errors
    finally:
        tab.close()


def test_the_editor_previews_while_criteria_change(browser: Any, server: dict[str, Any]) -> None:  # noqa: F811
    from playwright.sync_api import expect

    tab = Tab(browser, server, viewport={"width": 1366, "height": 900})
    try:
        tab.login("admin")
        page = tab.page
        page.goto("/admin/policies/HZ-2026-WG01")
        expect(page.locator("[data-preview=total]")).to_have_text("600")
        before = int(page.inner_text("[data-preview=eligible]"))
        assert before == int(page.inner_text(".preview-figures div:first-child strong"))
        criteria = json.loads(page.input_value("#f-criteria"))
        criteria[0]["rule"][">="][1] = 1000  # 参保职工不少于 1000 人: fewer firms
        page.fill("#f-criteria", json.dumps(criteria, ensure_ascii=False))
        expect(page.locator("[data-preview=eligible]")).not_to_have_text(str(before))
        assert int(page.inner_text("[data-preview=eligible]")) < before
        page.fill("#f-criteria", '[{"label": "x", "rule": {"var": "staff"}}]')
        expect(page.locator("#preview-status")).to_contain_text("staff")
        tab.shot("policy-editor-1366")
        tab.login("leader")
        page.goto("/cockpit")
        expect(page.locator("#policy-panel [data-figure=eligible]")).not_to_have_text("–")
        assert int(page.inner_text("#policy-panel [data-figure=notified]")) > 0
        assert not [e for e in tab.errors if "preview" not in e and "422" not in e], tab.errors
    finally:
        tab.close()
