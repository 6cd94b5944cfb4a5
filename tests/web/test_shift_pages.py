"""Pages of the 3 a.m. shift: the dispatch countdown and ★ unit, the inbox bell, the print sheet, the HTML 404."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session
from web_helpers import post, web_app

from builders import DISTRICT, World, file_case
from cityloop.cases.service import case_detail
from cityloop.kit import clock

MONDAY_10 = datetime(2025, 3, 3, 2, 0, tzinfo=UTC)  # 10:00 in Shanghai


def test_unknown_pages_get_an_html_404_and_the_api_keeps_json(engine: object) -> None:
    with TestClient(web_app()) as c:
        page = c.get("/no-such-page", headers={"Accept": "text/html,application/xhtml+xml"})
        assert page.status_code == 404
        assert page.headers["content-type"].startswith("text/html")
        assert "页面不存在" in page.text
        english = c.get("/no-such-page?lang=en", headers={"Accept": "text/html"})
        assert "does not exist" in english.text
        api = c.get("/api/v1/no-such-thing", headers={"Accept": "text/html"})
        assert api.status_code == 404
        assert api.headers["content-type"].startswith("application/json")
        assert c.get("/no-such-page").headers["content-type"].startswith("application/json")


def test_the_dispatch_queue_counts_down_to_the_dispatch_limit(as_user, db: Session, world: World) -> None:
    clock.freeze(MONDAY_10)
    waiting = file_case(db, world.subjects["agent"], category_code=None, location={"division_code": DISTRICT})
    clock.freeze(MONDAY_10 + timedelta(minutes=25))
    page = as_user("dispatcher").get("/dispatch").text
    row = page.split(f'id="row-{waiting.id}"')[1].split("</tr>")[0]
    assert 'data-due="dispatch"' in row
    assert "card-yellow" in row  # 5 of 30 minutes left
    assert "还剩0小时5分" in row


def test_the_queue_refreshes_its_rows_only(as_user, db: Session, world: World) -> None:
    file_case(db, world.subjects["agent"], category_code=None, location={"division_code": DISTRICT})
    c = as_user("dispatcher")
    rows = c.get("/dispatch", headers={"HX-Request": "true", "HX-Target": "queue-rows"}).text
    assert "<html" not in rows
    assert 'data-queue-total="1"' in rows


def test_a_dispatch_from_the_queue_confirms_where_it_went(as_user, db: Session, world: World) -> None:
    waiting = file_case(db, world.subjects["agent"], category_code=None, location={"division_code": DISTRICT})
    c = as_user("dispatcher")
    r = post(c, f"/cases/{waiting.id}/act/dispatch", {"unit_id": str(world.units["chengguan"].id),
                                                      "back": f"/dispatch?dispatched={waiting.id}"})
    assert r.status_code == 303
    page = c.get(r.headers["location"]).text
    assert "已派至" in page
    assert "西湖区城管局" in page.split("已派至")[1][:200]


def test_an_urge_lights_the_handlers_bell_and_opening_it_reads_it(as_user, db: Session, world: World) -> None:
    case = file_case(db, world.subjects["agent"])  # routed to the street office by the list
    supervisor = as_user("supervisor")
    assert post(supervisor, f"/supervise/cases/{case.id}/urge", {"note": "请今天回复"}).status_code == 303
    handler = as_user("street_handler")
    assert 'data-unread="2"' in handler.get("/notifications/badge").text  # dispatched, then urged
    assert as_user("handler").get("/notifications/badge").text == ""
    inbox = handler.get("/notifications").text
    assert "请今天回复" in inbox
    notice_id = re.findall(r"/notifications/(\d+)/open", inbox)[0]  # the newest: the urge
    opened = post(handler, f"/notifications/{notice_id}/open")
    assert opened.headers["location"] == f"/cases/{case.id}"
    assert 'data-unread="1"' in handler.get("/notifications/badge").text
    assert "请今天回复" not in handler.get("/notifications?unread=true").text


def test_the_print_sheet_has_number_history_names_and_signatures(as_user, db: Session, world: World) -> None:
    case = file_case(db, world.subjects["agent"])
    c = as_user("dispatcher")
    r = c.get(f"/cases/{case.id}/print")
    assert r.status_code == 200
    assert r.headers["content-type"].startswith("text/html")
    assert case.number in r.text
    assert "承办人签字" in r.text
    history = r.text.split("办理过程")[1]
    assert "系统自动" in history  # the automatic dispatch
    assert "agent（市12345中心）" in history  # the person with their unit (the test user has no display name)
    assert "13812345678" in r.text  # dispatchers may see the reporter's phone
    other = as_user("other_handler").get(f"/cases/{case.id}/print")
    assert other.status_code == 404


def test_search_box_goes_straight_to_a_case_by_number(as_user, db: Session, world: World) -> None:
    case = file_case(db, world.subjects["agent"])
    c = as_user("dispatcher")
    r = c.get("/search", params={"q": case.number}, follow_redirects=False)
    assert r.headers["location"] == f"/cases/{case.id}"
    words = c.get("/search", params={"q": "占道经营"}).text
    assert case.number in words


def test_a_formulaic_reply_is_flagged_live_and_a_bare_one_refused(as_user, db: Session, world: World) -> None:
    case = file_case(db, world.subjects["agent"])
    handler = as_user("street_handler")
    assert post(handler, f"/cases/{case.id}/act/sign").status_code == 303
    advice = post(handler, f"/cases/{case.id}/reply-check", {"reply": "您好，来信收悉，已转相关部门处理，请耐心等待。"})
    assert "hint-formulaic" in advice.text
    good = post(handler, f"/cases/{case.id}/reply-check", {
        "reply": "经现场核查，摊贩已于3月3日劝离，城管中队每日巡查。依据《城市市容和环境卫生管理条例》第十七条。"
                 "如有疑问请联系北山街道城管科 0571-87654321。"})
    assert "hint-formulaic" not in good.text
    refused = post(handler, f"/cases/{case.id}/act/complete", {"reply": "已处理。"})
    assert refused.status_code == 400
    assert "答复过于简单" in refused.text
    photo = ("after.png", b"\x89PNG\r\n\x1a\n" + b"\x00" * 64, "image/png")
    done = post(handler, f"/cases/{case.id}/act/complete", {"reply": "已清理占道摊贩，安排城管每日巡查。"},
                files={"photo": photo})
    assert done.status_code == 303
    db.expire_all()
    [completed] = [e for e in case_detail(db, world.subjects["dispatcher"], case.id).history or []
                   if e.action == "complete"]
    assert [a["content_type"] for a in completed.data["attachments"]] == ["image/png"]
