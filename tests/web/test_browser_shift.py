"""The 3 a.m. shift in headless Chromium: queue countdown, ★ unit and keys, search, print, 404, urge with a note."""

from __future__ import annotations

import json
from typing import Any

import pytest
from test_browser import Tab, browser, expect, server  # noqa: F401 - module fixtures of the loop walk, reused here

pytestmark = [pytest.mark.browser, pytest.mark.slow]


@pytest.fixture
def desk(browser: Any, server: dict[str, Any]) -> Any:  # noqa: F811 - the imported fixture
    """A desktop tab."""
    t = Tab(browser, server, viewport={"width": 1366, "height": 900})
    yield t
    t.close()


@pytest.fixture
def phone(browser: Any, server: dict[str, Any]) -> Any:  # noqa: F811 - the imported fixture
    """A 390 px phone tab."""
    t = Tab(browser, server, viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True)
    yield t
    t.close()


@pytest.mark.parametrize("width", [1366, 390])
def test_the_queue_counts_down_and_preselects_a_unit(browser: Any, server: dict[str, Any], width: int) -> None:  # noqa: F811
    tab = Tab(browser, server, viewport={"width": width, "height": 900})
    try:
        tab.login("dispatcher")
        page = tab.page
        rows = page.locator("[data-queue-row]")
        assert rows.count() > 0
        countdowns = page.locator("[data-queue-row] [data-due=dispatch]")
        assert countdowns.count() == rows.count()
        text = countdowns.first.inner_text()
        assert text.startswith(("还剩", "超期"))
        # Every waiting row's unit picker is grouped by area; rows with a suggestion carry a ★ on it.
        assert page.locator("[data-queue-row] select[name=unit_id] optgroup").count() > 0
        tab.shot(f"dispatch-countdown-{width}")
        assert not tab.errors
    finally:
        tab.close()


def test_keys_move_through_the_queue_and_slash_searches(desk: Tab) -> None:
    desk.login("dispatcher")
    page = desk.page
    page.keyboard.press("j")
    focused = page.locator("[data-queue-row].row-focus")
    assert focused.count() == 1
    first_id = focused.get_attribute("id")
    page.keyboard.press("j")
    assert page.locator("[data-queue-row].row-focus").get_attribute("id") != first_id
    page.keyboard.press("k")
    assert page.locator("[data-queue-row].row-focus").get_attribute("id") == first_id
    number = page.locator("[data-queue-row].row-focus td a").first.inner_text()
    page.keyboard.press("/")
    assert page.evaluate("document.activeElement.dataset.hotkey") == "/"
    page.keyboard.type(number)
    page.keyboard.press("Enter")
    page.wait_for_url("**/cases/*")
    assert number in page.inner_text(".case-head")
    assert not desk.errors


def test_the_print_sheet_and_the_404_page(desk: Tab) -> None:
    desk.login("dispatcher")
    page = desk.page
    missing: list[str] = []
    page.on("response", lambda r: missing.append(r.url) if r.status == 404 else None)
    page.locator("[data-queue-row] td a").first.click()
    page.wait_for_url("**/cases/*")
    page.wait_for_load_state("networkidle")
    assert not desk.errors, ("case page", missing, page.url)
    href = page.get_attribute("[data-print-link]", "href")
    assert href
    page.goto(href)
    assert "工单处置单" in page.inner_text("h1")
    assert page.locator(".signatures").count() == 1
    desk.shot("print-sheet")
    assert not missing
    assert not desk.errors
    response = page.goto("/no-such-page")
    assert response is not None
    assert response.status == 404
    assert "页面不存在" in page.inner_text(".error-page")


def test_a_supervisor_urges_with_a_note_on_a_phone(phone: Tab, server: dict[str, Any]) -> None:  # noqa: F811
    phone.login("supervisor")
    page = phone.page
    # On a phone the overdue list comes before the tables by unit and area.
    overdue_top = page.locator("#overdue").bounding_box()
    by_unit_top = page.locator("h2", has_text="按单位").bounding_box()
    assert overdue_top
    assert by_unit_top
    assert overdue_top["y"] < by_unit_top["y"]
    action = page.locator("#overdue details.noted-action", has=page.locator("summary", has_text="督办")).first
    action.locator("summary").click()
    action.locator("textarea[name=note]").fill("群众多次来电，请今天内处理并回复")
    action.locator("button[type=submit]").click()
    page.wait_for_selector("#overdue [data-acted=urge]")
    assert "已通知" in page.inner_text("#overdue [data-acted=urge]")
    phone.shot("supervise-urged-phone")
    assert not phone.errors


def test_the_handlers_bell_and_inbox_work_on_a_phone(phone: Tab) -> None:
    phone.login("handler")
    page = phone.page
    page.goto("/notifications")
    assert "站内信" in page.inner_text("h1")
    phone.shot("notifications-phone")
    assert not phone.errors


def test_a_grid_worker_checks_in_at_a_point_on_a_phone(browser: Any, server: dict[str, Any]) -> None:  # noqa: F811
    tab = Tab(browser, server, viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True,
              permissions=["geolocation"], geolocation={"longitude": 0.0, "latitude": 0.0})
    try:
        tab.login("grid_worker")
        page = tab.page
        page.click("#to-patrol")
        page.wait_for_url("**/grid/patrol")
        card = page.locator("article.patrol-point.due").first
        code = card.get_attribute("data-point")
        spots = json.loads(page.get_attribute("#patrol-map", "data-points") or "[]")
        spot = next(s for s in spots if s["href"] == f"#pt-{code}")
        tab.context.set_geolocation({"longitude": spot["lng"], "latitude": spot["lat"]})
        card.locator("[data-geolocate]").click()
        expect(page.locator(f"#lng-{code}")).not_to_have_value("")
        card.locator("button[type=submit]").click()
        page.wait_for_url("**/grid/patrol?done=*")
        assert code in page.inner_text("#checked-in")
        assert "今日已巡" in page.inner_text(f"#pt-{code}")
        tab.shot("patrol-checked-in-phone")
        assert not tab.errors
    finally:
        tab.close()
