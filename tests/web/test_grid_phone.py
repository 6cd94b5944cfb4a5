"""Grid worker on a phone: photo-required verification per category, call links, my own reports."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session
from web_helpers import post

from builders import World, file_case
from cityloop.cases.schemas import ActionIn
from cityloop.cases.service import case_detail
from cityloop.cases.workflow import perform
from cityloop.config import get_settings

Browser = Callable[[str], TestClient]
JPEG = b"\xff\xd8\xff\xe0" + b"1" * 32


def _completed(db: Session, w: World) -> int:
    case_id = file_case(db, w.subjects["agent"]).id
    perform(db, w.subjects["street_handler"], case_id, "sign", ActionIn())
    perform(db, w.subjects["street_handler"], case_id, "complete", ActionIn(reply="已更换路灯灯泡，现已恢复照明。"))
    return case_id


@pytest.fixture
def settings_env(monkeypatch: pytest.MonkeyPatch) -> Iterator[Callable[[str, str], None]]:
    def put(name: str, value: str) -> None:
        monkeypatch.setenv(name, value)
        get_settings.cache_clear()

    yield put
    monkeypatch.undo()
    get_settings.cache_clear()


def test_a_configured_category_needs_a_photo_to_pass(as_user: Browser, db: Session, world: World,
                                                     settings_env: Callable[[str, str], None]) -> None:
    settings_env("CITYLOOP_VERIFY_PHOTO_CATEGORIES", '["01"]')  # the builders' case is 010101
    case_id = _completed(db, world)
    c = as_user("grid_worker")
    assert 'required aria-required="true"' in c.get("/grid").text
    post(c, f"/cases/{case_id}/act/verify", {"passed": "true", "back": "/grid"})
    assert case_detail(db, world.subjects["dispatcher"], case_id).state == "completed"
    with pytest.raises(Exception, match="Invalid input"):
        perform(db, world.subjects["grid_worker"], case_id, "verify", ActionIn(passed=True))
    r = post(c, f"/cases/{case_id}/act/verify", {"passed": "true", "back": "/grid"},
             files={"photo": ("site.jpg", JPEG, "image/jpeg")})
    assert r.headers["location"] == "/grid"
    db.expire_all()
    assert case_detail(db, world.subjects["dispatcher"], case_id).state == "verified"


def test_other_categories_and_the_default_pass_without_a_photo(as_user: Browser, db: Session, world: World,
                                                               settings_env: Callable[[str, str], None]) -> None:
    settings_env("CITYLOOP_VERIFY_PHOTO_CATEGORIES", '["03"]')
    case_id = _completed(db, world)
    assert 'required aria-required' not in as_user("grid_worker").get("/grid").text
    perform(db, world.subjects["grid_worker"], case_id, "verify", ActionIn(passed=True))
    assert case_detail(db, world.subjects["dispatcher"], case_id).state == "verified"


def test_the_reporter_phone_is_called_through_when_configured(as_user: Browser, db: Session, world: World,
                                                              settings_env: Callable[[str, str], None]) -> None:
    case_id = _completed(db, world)
    page = as_user("grid_worker").get("/grid").text
    assert "13812345678" not in page  # masked for the grid worker
    settings_env("CITYLOOP_CALL_THROUGH_URL", "https://pbx.example/call?case={case_id}")
    assert f'href="https://pbx.example/call?case={case_id}"' in as_user("grid_worker").get("/grid").text


def test_my_reports_lists_what_i_filed_and_nothing_else(as_user: Browser, db: Session, world: World) -> None:
    c = as_user("grid_worker")
    r = post(c, "/grid/report", {"title": "井盖缺失", "content": "路口井盖缺失", "category_code": "030101",
                                 "nonce": "g-mine"}, files={"photo": ("p.jpg", JPEG, "image/jpeg")})
    assert r.status_code == 200, r.text
    other = file_case(db, world.subjects["agent"], title="别人受理的案件")
    page = c.get("/grid").text
    mine = page.split('id="my-reports"')[1].split("</details>")[0]
    assert "井盖缺失" in mine
    assert other.title not in mine
