"""一网通办 walk in headless Chromium on a phone: find 生孩子, answer the guide, print the 告知单, apply, 补正,
accept and conclude at the window, rate it 差评, and see the rectification case in the dispatcher's queue."""

from __future__ import annotations

import re
from typing import Any

import pytest
from test_browser import Tab, browser, server  # noqa: F401 - module fixtures of the loop walk, reused here

pytestmark = [pytest.mark.browser, pytest.mark.slow]
PHONE = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True}


def test_the_services_walk(browser: Any, server: dict[str, Any]) -> None:  # noqa: F811
    citizen, window = Tab(browser, server, **PHONE), Tab(browser, server, viewport={"width": 1366, "height": 900})
    try:
        page = citizen.page
        page.goto("/services")
        page.fill("#services-q", "生孩子")
        page.press("#services-q", "Enter")
        page.wait_for_load_state("networkidle")
        assert page.locator("#bundles").inner_text().count("出生一件事") == 1
        page.click("text=出生医学证明首次签发")
        page.check("fieldset[data-key=self] input[value=yes]")
        page.click("#guide button[type=submit]")
        page.check("fieldset[data-key=married] input[value=yes]")
        page.click("#guide button[type=submit]")
        assert "结婚证" in page.inner_text("table.materials")
        assert page.evaluate("document.documentElement.scrollWidth") <= 390
        citizen.shot("services-guide-390")
        page.click("#notice-link")
        assert "一次性告知单" in page.inner_text("main")
        page.go_back()
        apply_url = page.get_attribute("#apply-link", "href")
        citizen.login("citizen")
        page.goto(apply_url)
        for box in page.locator("input[name=material]").all():
            box.check()
        page.click("form[action^='/services/apply'] button[type=submit]")
        number = page.inner_text("#application-number")
        track = page.get_attribute("a[href^='/services/mine/']", "href")
        assert number.startswith("SB")
        app_id = re.sub(r"\D", "", track)

        window.login("window")
        desk = window.page
        desk.goto("/services/desk")
        desk.click(f"text={number}")
        desk.fill("form[data-action=request_correction] textarea[name=missing]",
                  "母亲居民身份证需原件\n结婚证复印件不清晰")
        desk.click("form[data-action=request_correction] button")
        assert desk.get_attribute("#app-state", "data-state") == "correction"

        page.goto(track)
        assert "结婚证复印件不清晰" in page.inner_text("#correction")
        page.click("#correction button[type=submit]")
        assert page.get_attribute("#app-state", "data-state") == "submitted"

        desk.goto(f"/services/desk/{app_id}")
        desk.click("form[data-action=accept] button")
        desk.fill("form[data-action=approve] textarea[name=note]", "准予签发出生医学证明。")
        desk.click("form[data-action=approve] button")
        desk.click("form[data-action=deliver] button")
        assert desk.get_attribute("#app-state", "data-state") == "delivered"

        page.goto(track)
        page.check("#rating input[value='1']")
        page.fill("#rating textarea[name=text]", "补正要求前后不一致，跑了两趟")
        page.click("#rating button[type=submit]")
        assert "已转整改" in page.inner_text("#rated")
        citizen.shot("services-rated-390")

        window.login("dispatcher")
        desk.goto("/dispatch?q=好差评")
        assert "好差评差评整改" in desk.inner_text("main")
        assert not citizen.errors, citizen.errors
        assert not window.errors, window.errors
    finally:
        citizen.close()
        window.close()
