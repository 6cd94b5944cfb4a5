"""The dispatcher sees where a text-only case was placed from its text, with the evidence, or why it was not."""

from __future__ import annotations

from collections.abc import Callable

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from builders import World, file_case

Browser = Callable[[str], TestClient]


def _text_only(db: Session, w: World, content: str) -> int:
    return file_case(db, w.subjects["agent"], category_code=None, title="路灯不亮", content=content,
                     location={}).id


def test_queue_and_case_page_show_the_placement_evidence(as_user: Browser, db: Session, world: World) -> None:
    c = as_user("dispatcher")  # the app plugs the text locator into intake
    case_id = _text_only(db, world, "杭州市西湖区北山街道有一排路灯不亮。")
    queue = c.get("/dispatch").text
    assert "据文本: 西湖区、北山街道" in queue
    page = c.get(f"/cases/{case_id}").text
    assert "北山街道 <span class=\"muted\">330106002</span>" in page
    assert "<mark>西湖区</mark> <mark>北山街道</mark>" in page


def test_queue_and_case_page_say_why_text_was_not_placed(as_user: Browser, db: Session, world: World) -> None:
    c = as_user("dispatcher")
    case_id = _text_only(db, world, "西湖区和拱墅区交界处的路灯不亮。")
    assert "文本未能定位" in c.get("/dispatch").text
    page = c.get(f"/cases/{case_id}").text
    assert "未定位：证据不足或相互矛盾" in page
    assert "conflicting: 西湖区|拱墅区" in page
