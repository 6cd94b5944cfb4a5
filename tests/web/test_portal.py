"""Citizen portal: anonymous filing, uploads, tracking by number + code, rating."""

from __future__ import annotations

import re
from collections.abc import Callable

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session
from web_helpers import post

from builders import STREET, World
from cityloop.cases.schemas import ActionIn
from cityloop.cases.workflow import perform
from cityloop.config import get_settings

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
FORM = {"appeal_type": "complain", "title": "楼下餐馆油烟扰民", "content": "每天晚上油烟很大，窗户都不能开。",
        "address": "北山街道某小区3幢", "division_code": STREET, "phone": "13900001111", "nonce": "n-1"}


def _file(client: TestClient, **extra: object) -> tuple[str, str]:
    r = post(client, "/portal", {**FORM, **extra}, files={"photo": ("a.png", PNG, "image/png")})
    assert r.status_code == 200, r.text
    number = re.search(r'id="case-number">([^<]+)<', r.text)
    code = re.search(r'id="lookup-code">([^<]+)<', r.text)
    assert number
    assert code
    return number.group(1), code.group(1)


def test_a_citizen_files_without_login_and_tracks_the_case(world: World, client: TestClient) -> None:
    number, code = _file(client)
    r = client.get(f"/portal/track?number={number}&code={code}")
    assert r.status_code == 200
    assert "楼下餐馆油烟扰民" in r.text
    assert "已受理" in r.text  # the citizen wording of 待派单


def test_the_photo_is_stored_and_only_staff_can_fetch_it(world: World, client: TestClient,
                                                          as_user: Callable[[str], TestClient]) -> None:
    _file(client)
    files = list((get_settings().var_dir / "uploads").iterdir())
    assert len(files) == 1
    assert client.get(f"/files/{files[0].name}", follow_redirects=False).status_code == 303
    assert as_user("dispatcher").get(f"/files/{files[0].name}").content == PNG


def test_a_double_submitted_form_files_once(world: World, client: TestClient) -> None:
    assert _file(client) == _file(client)


def test_errors_show_next_to_the_fields(world: World, client: TestClient) -> None:
    r = post(client, "/portal", {**FORM, "title": "x", "phone": "abc"})
    assert r.status_code == 400
    assert 'id="e-title"' in r.text
    assert 'id="e-phone"' in r.text
    assert 'value="北山街道某小区3幢"' in r.text  # the rest of the input is kept


def test_uploads_are_checked_by_content_and_size(world: World, client: TestClient) -> None:
    r = post(client, "/portal", FORM, files={"photo": ("x.png", b"<script>alert(1)</script>", "image/png")})
    assert r.status_code == 400
    assert "只接受" in r.text
    get_settings().upload_max_bytes = 10
    try:
        r = post(client, "/portal", FORM, files={"photo": ("a.png", PNG, "image/png")})
    finally:
        get_settings().upload_max_bytes = 5_000_000
    assert r.status_code == 400
    assert "照片不能超过" in r.text
    assert not (get_settings().var_dir / "uploads").exists() or not any((get_settings().var_dir / "uploads").iterdir())


def test_a_wrong_lookup_code_reveals_nothing(world: World, client: TestClient) -> None:
    number, _code = _file(client)
    r = client.get(f"/portal/track?number={number}&code=WRONG1")
    assert r.status_code == 404
    assert "楼下餐馆" not in r.text


def test_tracking_masks_personal_data(world: World, client: TestClient) -> None:
    number, code = _file(client)
    assert "13900001111" not in client.get(f"/portal/track?number={number}&code={code}").text


def _complete(db: Session, w: World, number: str) -> int:
    from cityloop.cases.repository import case_by_number

    case = case_by_number(db, w.subjects["dispatcher"], number)
    assert case is not None
    s = w.subjects
    perform(db, s["dispatcher"], case.id, "dispatch", ActionIn(unit_id=w.units["chengguan"].id))
    perform(db, s["handler"], case.id, "sign", ActionIn())
    perform(db, s["handler"], case.id, "complete", ActionIn(reply="已责令餐馆安装油烟净化器。"))
    return case.id


def test_rating_a_verified_case_is_the_revisit(world: World, client: TestClient, db: Session) -> None:
    number, code = _file(client)
    case_id = _complete(db, world, number)
    perform(db, world.subjects["grid_worker"], case_id, "verify", ActionIn(passed=True))
    page = client.get(f"/portal/track?number={number}&code={code}").text
    assert "已责令餐馆安装油烟净化器" in page
    r = post(client, "/portal/rate", {"number": number, "code": code, "satisfaction": "satisfied", "comment": "好"})
    assert r.status_code == 303
    page = client.get(r.headers["location"]).text
    assert "感谢您的评价" in page
    assert "已评价，即将办结" in page  # the citizen wording of 已回访待归档


def test_rating_before_verification_waits_for_it(world: World, client: TestClient, db: Session) -> None:
    number, code = _file(client)
    case_id = _complete(db, world, number)
    r = post(client, "/portal/rate", {"number": number, "code": code, "satisfaction": "dissatisfied"})
    assert "rated=pending" in r.headers["location"]
    again = post(client, "/portal/rate", {"number": number, "code": code, "satisfaction": "satisfied"})
    assert again.status_code == 409
    perform(db, world.subjects["grid_worker"], case_id, "verify", ActionIn(passed=True))
    db.expire_all()
    from cityloop.cases.service import case_detail

    detail = case_detail(db, world.subjects["dispatcher"], case_id)
    assert detail.state == "revisited"
    assert detail.satisfaction == "dissatisfied"


def test_rating_an_open_case_is_refused(world: World, client: TestClient) -> None:
    number, code = _file(client)
    r = post(client, "/portal/rate", {"number": number, "code": code, "satisfaction": "satisfied"})
    assert r.status_code == 409
    assert "尚未办结" in r.text


def test_a_logged_in_citizen_sees_their_own_appeals(as_user: Callable[[str], TestClient]) -> None:
    c = as_user("citizen")
    _file(c)
    assert "我的诉求" in c.get("/portal").text
    assert "楼下餐馆油烟扰民" in c.get("/portal").text
