"""Staff consoles: desk intake, dispatch (single and bulk), inbox, grid, supervision, cockpit."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session
from web_helpers import csrf, post

from builders import STREET, World, file_case
from cityloop.cases import kpi
from cityloop.cases.service import case_detail
from cityloop.kit.clock import utcnow

Browser = Callable[[str], TestClient]


def _queued(db: Session, w: World, title: str = "路灯不亮") -> int:
    """A case without category, so it waits in the dispatcher's queue."""
    return file_case(db, w.subjects["agent"], category_code=None, title=title, content=f"{title}，请尽快处理。").id


def test_desk_records_a_call_and_shows_number_and_code(as_user: Browser, db: Session, world: World) -> None:
    c = as_user("agent")
    r = post(c, "/desk", {"phone": "13812345678", "name": "李四", "appeal_type": "complain", "title": "占道经营",
                          "content": "小区门口摊贩占道", "category_code": "010101", "division_code": STREET})
    assert r.status_code == 200
    assert 'id="filed"' in r.text
    assert "北山街道办" in r.text  # routed by the responsibility list


def test_desk_caller_history_and_suggestions(as_user: Browser, db: Session, world: World) -> None:
    file_case(db, world.subjects["agent"], title="小区门口摊贩占道经营")
    c = as_user("agent")
    history = c.get("/desk/history?phone=13812345678")
    assert "小区门口摊贩占道经营" in history.text
    assert "没有历史" in c.get("/desk/history?phone=13000000000").text
    hints = c.get("/desk/suggest", params={"title": "摊贩占道经营", "content": "门口有人摆摊",
                                           "division_code": STREET})
    assert 'data-fill-category="010101"' in hints.text
    assert "小区门口摊贩占道经营" in hints.text  # duplicate candidate


def test_dispatcher_queue_and_one_click_dispatch(as_user: Browser, db: Session, world: World) -> None:
    case_id = _queued(db, world)
    c = as_user("dispatcher")
    assert "路灯不亮" in c.get("/dispatch").text
    r = post(c, f"/cases/{case_id}/act/dispatch", {"unit_id": world.units["chengguan"].id, "back": "/dispatch"})
    assert r.status_code == 303
    assert r.headers["location"] == "/dispatch"
    assert case_detail(db, world.subjects["dispatcher"], case_id).state == "dispatched"
    assert "路灯不亮" not in c.get("/dispatch").text


def test_missing_unit_shows_the_error_next_to_the_field(as_user: Browser, db: Session, world: World) -> None:
    case_id = _queued(db, world)
    r = post(as_user("dispatcher"), f"/cases/{case_id}/act/dispatch", {})
    assert r.status_code == 400
    assert "请选择承办单位" in r.text


def test_htmx_action_returns_the_case_fragment(as_user: Browser, db: Session, world: World) -> None:
    case_id = _queued(db, world)
    c = as_user("dispatcher")
    r = c.post(f"/cases/{case_id}/act/dispatch", data={"unit_id": world.units["street"].id},
               headers={"HX-Request": "true", "X-CSRF-Token": csrf(c)})
    assert r.status_code == 200
    assert r.text.lstrip().startswith('<div id="case-main"')
    assert "已派单" in r.text


def test_bulk_dispatch_reports_successes_and_failures(as_user: Browser, db: Session, world: World) -> None:
    ids = [_queued(db, world, f"井盖松动{i}") for i in range(3)]
    c = as_user("dispatcher")
    r = c.post("/dispatch/bulk", data={"case_id": [*map(str, ids), "999999"], "action": "dispatch",
                                       "unit_id": str(world.units["chengguan"].id), "csrf_token": csrf(c)})
    assert r.status_code == 200
    assert "已处理: 3" in r.text
    assert "#999999" in r.text
    assert all(case_detail(db, world.subjects["dispatcher"], i).state == "dispatched" for i in ids)


def test_handler_signs_and_completes_from_the_inbox(as_user: Browser, db: Session, world: World) -> None:
    case_id = file_case(db, world.subjects["agent"]).id  # auto-dispatched to the street office
    c = as_user("street_handler")
    page = c.get("/inbox").text
    assert "小区门口占道经营" in page
    assert "还剩" in page
    assert post(c, f"/cases/{case_id}/act/sign", {"back": f"/cases/{case_id}"}).status_code == 303
    assert post(c, f"/cases/{case_id}/act/request_extension", {"days": "2", "note": "需协调"}).status_code == 303
    r = post(c, f"/cases/{case_id}/act/complete", {"reply": "已清理摊贩，安排每日巡查。"})
    assert r.status_code == 303
    page = c.get(f"/cases/{case_id}").text
    assert "已办结待核查" in page
    assert "申请延期" in page  # in the timeline


def test_handler_cannot_see_other_units_cases(as_user: Browser, db: Session, world: World) -> None:
    case_id = file_case(db, world.subjects["agent"]).id
    assert as_user("other_handler").get(f"/cases/{case_id}").status_code == 404


def test_grid_worker_verifies_and_reports(as_user: Browser, db: Session, world: World) -> None:
    from cityloop.cases.schemas import ActionIn
    from cityloop.cases.workflow import perform

    case_id = file_case(db, world.subjects["agent"]).id
    perform(db, world.subjects["street_handler"], case_id, "sign", ActionIn())
    perform(db, world.subjects["street_handler"], case_id, "complete", ActionIn(reply="已处理完毕，现场已清理"))
    c = as_user("grid_worker")
    assert f'id="task-{case_id}"' in c.get("/grid").text
    r = post(c, f"/cases/{case_id}/act/verify", {"passed": "true", "back": "/grid"},
             files={"photo": ("site.jpg", b"\xff\xd8\xff\xe0" + b"1" * 32, "image/jpeg")})
    assert r.headers["location"] == "/grid"
    verified = case_detail(db, world.subjects["dispatcher"], case_id)
    assert verified.state == "verified"
    # The on-site photo belongs to the verification step, not to the note.
    step = next(e for e in verified.history if e.action == "verify")
    (photo,) = step.data["attachments"]
    assert photo["content_type"] == "image/jpeg"
    assert photo["url"] not in step.note
    assert f'src="{photo["url"]}"' in c.get(f"/cases/{case_id}").text
    r = post(c, "/grid/report", {"title": "井盖缺失", "content": "路口井盖缺失", "lng": "120.15", "lat": "30.27",
                                 "category_code": "030101", "nonce": "g1"},
             files={"photo": ("p.jpg", b"\xff\xd8\xff\xe0" + b"0" * 32, "image/jpeg")})
    assert r.status_code == 200
    assert 'id="reported"' in r.text


def test_failed_verification_needs_a_note(as_user: Browser, db: Session, world: World) -> None:
    from cityloop.cases.schemas import ActionIn
    from cityloop.cases.workflow import perform

    case_id = file_case(db, world.subjects["agent"]).id
    perform(db, world.subjects["street_handler"], case_id, "sign", ActionIn())
    perform(db, world.subjects["street_handler"], case_id, "complete", ActionIn(reply="已处理完毕，现场已清理"))
    r = post(as_user("grid_worker"), f"/cases/{case_id}/act/verify", {"passed": "false"})
    assert r.status_code == 400
    assert "核查不通过需填写原因" in r.text


def test_supervisor_sees_overdue_cases_and_urges(as_user: Browser, db: Session, world: World) -> None:
    late = file_case(db, world.subjects["admin"], title="积水严重无人管", received_at=utcnow() - timedelta(days=30))
    c = as_user("supervisor")
    page = c.get("/supervise").text
    overdue = page.split('id="overdue"')[1].split('id="near-due"')[0]
    assert "积水严重无人管" in overdue
    assert "北山街道办" in page
    refused = post(c, f"/supervise/cases/{late.id}/urge", {})
    assert refused.status_code == 422
    assert "督办意见" in refused.text
    r = post(c, f"/supervise/cases/{late.id}/urge", {"note": "请今天内处理完毕"})
    assert r.headers["location"] == "/supervise#overdue"
    db.expire_all()
    assert case_detail(db, world.subjects["supervisor"], late.id).urge_count == 1
    in_place = c.post(f"/supervise/cases/{late.id}/urge", data={"note": "再次督办", "csrf_token": csrf(c)},
                      headers={"HX-Request": "true", "X-CSRF-Token": csrf(c)})
    assert 'data-acted="urge"' in in_place.text
    assert "已通知 1 人" in in_place.text  # the unit's one handler


def test_cockpit_figures_come_from_the_kpi_service(as_user: Browser, db: Session, world: World) -> None:
    file_case(db, world.subjects["agent"])
    _queued(db, world)
    c = as_user("leader")
    assert "<canvas" not in c.get("/cockpit").text  # charts are drawn client-side from /cockpit/data
    data = c.get("/cockpit/data?period=30d").json()
    report = kpi.kpi_report(db, world.subjects["leader"], kpi.KpiQuery(start=utcnow() - timedelta(days=31)))
    tiles = {t["key"]: t["value"] for t in data["tiles"]}
    assert tiles["received"] == report.received == 2
    assert sum(r["received"] for r in data["channels"]) == 2
    assert {"trend", "categories", "units", "areas", "points", "hot", "warnings"} <= set(data)


def test_cockpit_rejects_bad_filters(as_user: Browser) -> None:
    r = as_user("leader").get("/cockpit/data?period=forever")
    assert r.status_code == 422
