"""The whole loop in headless Chromium against the app served on loopback; screenshots go to var/screenshots/."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from browser_server import seeded_server

CHROMIUM = Path("/usr/bin/chromium")
ROOT = Path(__file__).resolve().parents[2]
SHOTS = ROOT / "var" / "screenshots"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
        "--disable-sync", "--no-first-run"]
PNG = bytes.fromhex("89504e470d0a1a0a0000000d4948445200000001000000010802000000907753de0000000c4944415408d763f8cfc0"
                    "00000301010018dd8db00000000049454e44ae426082")
TITLE = "小区门口井盖松动有异响"

pytestmark = [pytest.mark.browser, pytest.mark.slow]
DRAWN = re.compile(r"^[1-9][0-9]*$")  # a map's data-grids once it has drawn some


def expect(locator: Any) -> Any:
    """Playwright's polling assertion. wait_for_function would evaluate a string in the page, which the app's CSP
    (no unsafe-eval) refuses whenever the condition is not already true at the first look."""
    from playwright.sync_api import expect as polling

    polling.set_options(timeout=20_000)  # a map draws after its data loads; the suite may share busy cores
    return polling(locator)



@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    """A seeded SQLite database and uvicorn serving the app on a free loopback port."""
    if not CHROMIUM.exists():
        pytest.skip("Debian chromium is not installed at /usr/bin/chromium (./test installs it)")
    pytest.importorskip("playwright.sync_api", reason="playwright is not installed")
    tmp = tmp_path_factory.mktemp("browser")
    here = Path(__file__).parent
    with seeded_server(tmp, [str(here / "browser_seed.py"), "300"], "browser_app:app", here, jobs=True) as info:
        yield info


@pytest.fixture(scope="module")
def browser(server: dict[str, Any]) -> Iterator[Any]:
    """Headless Debian chromium."""
    from playwright.sync_api import sync_playwright

    SHOTS.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=ARGS)
        yield b
        b.close()


@pytest.fixture(scope="module")
def state() -> dict[str, str]:
    """What one step of the loop hands to the next (the tests run in file order)."""
    return {}


class Tab:
    """A page in a fresh context that records JavaScript errors."""

    def __init__(self, browser: Any, server: dict[str, Any], **context: Any) -> None:
        self.server = server
        self.context = browser.new_context(locale="zh-CN", base_url=server["base"], **context)
        self.page = self.context.new_page()
        self.errors: list[str] = []
        self.page.on("pageerror", lambda exc: self.errors.append(f"pageerror: {exc}"))
        self.page.on("console", lambda msg: self.errors.append(f"console: {msg.text}") if msg.type == "error" else None)

    def login(self, username: str) -> None:
        self.page.goto("/login")
        self.page.fill("#f-username", username)
        self.page.fill("#f-password", self.server["password"])
        self.page.click("form[action='/login'] button[type=submit]")
        self.page.wait_for_load_state("networkidle")

    def shot(self, name: str) -> None:
        self.page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)

    def close(self) -> None:
        self.context.close()


@pytest.fixture
def tab(browser: Any, server: dict[str, Any]) -> Iterator[Tab]:
    """A desktop-sized tab."""
    t = Tab(browser, server, viewport={"width": 1366, "height": 900})
    yield t
    t.close()


def test_citizen_files_and_tracks_a_case(tab: Tab, server: dict[str, Any], state: dict[str, str]) -> None:
    page = tab.page
    page.goto("/portal")
    tab.shot("portal")
    page.fill("#f-title", TITLE)
    page.fill("#f-content", "井盖松动，车辆经过时哐当作响，夜里尤其吵，担心有人踩空。")
    page.fill("#f-address", "翠苑街道文三路口")
    page.select_option("#f-division_code", server["street"])
    page.click("#pick-map", position={"x": 120, "y": 100})
    assert page.input_value("#f-lng")
    page.set_input_files("#f-photo", files=[{"name": "well.png", "mimeType": "image/png", "buffer": PNG}])
    page.click("#appeal-form button[type=submit]")
    number, code = page.inner_text("#case-number"), page.inner_text("#lookup-code")
    assert re.fullmatch(r"\d{16}", number)
    assert re.fullmatch(r"[A-Z0-9]{6}", code)
    tab.shot("portal-filed")
    state.update(number=number, code=code)
    page.goto("/portal")
    page.fill("#f-number", number)
    page.fill("#f-code", code)
    page.click("form[action='/portal/track'] button")
    assert page.inner_text("#case-state") == "已受理，正在安排承办单位"  # citizen wording of 待派单
    tab.shot("portal-track")
    assert not tab.errors


def test_dispatcher_dispatches(tab: Tab, server: dict[str, Any], state: dict[str, str]) -> None:
    tab.login("dispatcher")
    page = tab.page
    assert page.url.endswith("/dispatch")
    # Check-all and the selected count run from app.js (the CSP allows no inline handlers).
    page.locator("[data-check-all]").check()
    rows = page.locator("input[name=case_id]").count()
    assert rows > 0
    assert page.locator("[data-checked-count]").inner_text() == str(rows)
    page.locator("[data-check-all]").uncheck()
    assert page.locator("[data-checked-count]").inner_text() == "0"
    row = page.locator("tr", has_text=TITLE)
    row.locator("select[name=unit_id]").select_option(label=server["unit"])
    tab.shot("dispatch")
    row.locator("button", has_text="派单").click()
    page.wait_for_url("**/dispatch?dispatched=*")
    assert page.locator("tr", has_text=TITLE).count() == 0
    assert server["unit"] in page.inner_text("[data-dispatched]")  # 已派至 …
    assert not tab.errors


def test_handler_signs_and_completes(tab: Tab, state: dict[str, str]) -> None:
    tab.login("handler")
    page = tab.page
    assert page.url.endswith("/inbox")
    tab.shot("inbox")
    page.locator("article", has_text=TITLE).locator("button", has_text="签收").click()
    page.wait_for_url("**/cases/*")
    assert page.inner_text("#case-state") == "处置中"
    page.fill("#r-complete", "已联系市政养护单位更换井盖并加固底座，经现场检查已无异响。联系人：王工 0571-88888888。")
    page.click("form[data-action=complete] button[type=submit]")
    page.wait_for_selector("#case-state[data-state=completed]")
    tab.shot("case-completed")
    assert not tab.errors


def test_grid_worker_verifies_on_a_phone(browser: Any, server: dict[str, Any], state: dict[str, str]) -> None:
    phone = Tab(browser, server, viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True,
                geolocation={"longitude": 120.1234, "latitude": 30.2871}, permissions=["geolocation"])
    try:
        phone.login("grid_worker")
        page = phone.page
        assert page.url.endswith("/grid")
        # The worker's grids are drawn under the tasks (fetched from the scoped grids API).
        expect(page.locator("#grid-map")).to_have_attribute("data-grids", DRAWN)
        phone.shot("grid-phone")
        task = page.locator("article", has_text=TITLE)
        task.locator("button", has_text="核查通过").click()
        page.wait_for_url("**/grid")
        assert page.locator("article", has_text=TITLE).count() == 0
        page.click("#report summary")
        page.fill("#report #f-title", "人行道地砖破损")
        page.fill("#report #f-content", "约两平方米地砖翘起，易绊倒行人。")
        page.click("[data-geolocate]")
        expect(page.locator("#g-lng")).not_to_have_value("")
        assert page.input_value("#g-lng").startswith("120.12")
        page.set_input_files("#report #f-photo", files=[{"name": "p.png", "mimeType": "image/png", "buffer": PNG}])
        page.click("#report button[type=submit]")
        assert "已上报" in page.inner_text("#reported")
        phone.shot("grid-reported")
        assert not phone.errors
    finally:
        phone.close()


def test_citizen_rates_the_reply(tab: Tab, state: dict[str, str]) -> None:
    page = tab.page
    page.goto(f"/portal/track?number={state['number']}&code={state['code']}")
    assert "更换井盖" in page.inner_text("#case-reply")
    page.check("input[name=satisfaction][value=satisfied]")
    page.fill("#f-comment", "处理很快，谢谢！")
    page.click("form[action='/portal/rate'] button[type=submit]")
    assert "感谢您的评价" in page.content()
    assert page.inner_text("#case-state") == "已评价，即将办结"  # citizen wording of 已回访待归档
    tab.shot("portal-rated")
    assert not tab.errors


def test_supervisor_sees_an_overdue_case(tab: Tab, server: dict[str, Any]) -> None:
    tab.login("supervisor")
    page = tab.page
    assert page.url.endswith("/supervise")
    assert server["overdue_title"] in page.inner_text("#overdue")
    assert page.locator("#overdue .countdown.card-red").count() >= 1
    tab.shot("supervise")
    assert not tab.errors


def _check_cockpit(tab: Tab) -> None:
    page = tab.page
    page.wait_for_selector("#cockpit[data-loaded=true]", timeout=20000)
    for chart in ["chart-trend", "chart-category", "chart-channel", "chart-units", "chart-heat"]:
        assert page.locator(f"#{chart} canvas").count() >= 1, chart
    received = page.inner_text(".tile[data-key=received] b")
    assert int(received) > 0
    assert int(page.get_attribute("#cockpit", "data-points") or 0) > 0
    assert page.locator("#cockpit-map canvas").count() >= 1
    expect(page.locator("#cockpit-map")).to_have_attribute("data-grids", DRAWN)  # grids drawn
    assert page.locator("#hot li").count() > 0
    page.wait_for_timeout(1500)  # let ECharts finish its entry animation before the screenshot


def test_cockpit_renders_charts_with_real_numbers(tab: Tab, browser: Any, server: dict[str, Any]) -> None:
    tab.login("leader")
    assert tab.page.url.endswith("/cockpit")
    _check_cockpit(tab)
    tab.shot("cockpit")
    with tab.page.expect_navigation():
        tab.page.locator("select[name=period]").select_option(index=1)  # auto-submits (app.js)
    assert "period=" in tab.page.url
    assert not tab.errors, tab.errors
    big = Tab(browser, server, viewport={"width": 1920, "height": 1080})
    try:
        big.login("leader")
        big.page.goto("/cockpit?screen=1")
        _check_cockpit(big)
        big.page.screenshot(path=str(SHOTS / "cockpit-bigscreen.png"))
        assert not big.errors, big.errors
    finally:
        big.close()


@pytest.mark.parametrize(("user", "path", "name"), [
    ("agent", "/desk", "desk"), ("admin", "/admin", "admin-users"), ("admin", "/admin?tab=taxonomy", "admin-taxonomy"),
    ("admin", "/admin?tab=holidays", "admin-holidays"), ("dispatcher", "/dispatch?lang=en", "dispatch-en"),
])
def test_other_pages_render_without_errors(tab: Tab, user: str, path: str, name: str) -> None:
    tab.login(user)
    tab.page.goto(path)
    tab.page.wait_for_load_state("networkidle")
    tab.shot(name)
    assert not tab.errors, tab.errors


def test_desk_suggests_while_typing(tab: Tab) -> None:
    tab.login("agent")
    page = tab.page
    page.fill("#f-phone", "13800000000")
    page.fill("#f-title", TITLE)
    page.fill("#f-content", "井盖松动")
    page.wait_for_selector("#suggestions h3")
    page.wait_for_selector("#caller-history p, #caller-history ul")
    tab.shot("desk-suggest")
    assert not tab.errors, tab.errors
