"""Citizen portal on a phone: plain-word timeline, copyable lookup code, own appeals open the case."""

from __future__ import annotations

import re
from collections.abc import Callable

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session
from web_helpers import post

from builders import STREET, World, file_case
from cityloop.cases.repository import case_by_number
from cityloop.cases.schemas import ActionIn
from cityloop.cases.states import STATE_META, State
from cityloop.cases.workflow import perform

FORM = {"appeal_type": "complain", "title": "楼下餐馆油烟扰民", "content": "每天晚上油烟很大，窗户都不能开。",
        "address": "北山街道某小区3幢", "division_code": STREET, "phone": "13900001111", "nonce": "n-words"}


def _filed(client: TestClient) -> tuple[str, str, str]:
    r = post(client, "/portal", FORM)
    assert r.status_code == 200, r.text
    number = re.search(r'id="case-number">([^<]+)<', r.text)
    code = re.search(r'id="lookup-code">([^<]+)<', r.text)
    assert number
    assert code
    return number.group(1), code.group(1), r.text


def test_the_filed_page_offers_to_copy_the_number_and_code(world: World, client: TestClient) -> None:
    number, code, page = _filed(client)
    assert f'data-copy="{number} {code}"' in page
    assert 'id="sms-note"' in page


def test_the_track_page_speaks_plain_words_not_internal_states(world: World, client: TestClient, db: Session) -> None:
    number, code, _ = _filed(client)
    case = case_by_number(db, world.subjects["dispatcher"], number)
    assert case is not None
    if case.state == State.RECEIVED:
        perform(db, world.subjects["dispatcher"], case.id, "dispatch", ActionIn(unit_id=world.units["street"].id))
    page = client.get(f"/portal/track?number={number}&code={code}").text
    steps = re.findall(r"</time>\s*([^<]+)</li>", page)
    assert steps[0].strip() == "您的诉求已受理"
    assert "已转交承办单位" in steps[-1]
    internal = {zh for zh, _en, _c in STATE_META.values()} - {"已办结"}
    assert not any(label in page for label in internal)
    en = client.get(f"/portal/track?number={number}&code={code}&lang=en").text
    assert "Your appeal was received" in en


def test_my_appeals_rows_open_the_case_and_only_for_the_owner(world: World, db: Session,
                                                              as_user: Callable[[str], TestClient]) -> None:
    citizen = as_user("citizen")
    case = file_case(db, world.subjects["citizen"], channel="web")
    portal = citizen.get("/portal").text
    assert f'href="/portal/mine/{case.id}"' in portal
    r = citizen.get(f"/portal/mine/{case.id}", follow_redirects=False)
    assert r.status_code == 303
    assert citizen.get(r.headers["location"]).status_code == 200
    other = file_case(db, world.subjects["agent"])
    assert citizen.get(f"/portal/mine/{other.id}", follow_redirects=False).status_code == 404
