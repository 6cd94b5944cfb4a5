"""The portal and the desk refuse the same bad phone number with the same message next to the field."""

from __future__ import annotations

from collections.abc import Callable

from fastapi.testclient import TestClient
from web_helpers import post

from builders import STREET, World
from cityloop.kit.phones import MESSAGE

FORM = {"appeal_type": "complain", "title": "楼下餐馆油烟扰民", "content": "每天晚上油烟很大，窗户都不能开。",
        "address": "北山街道某小区3幢", "division_code": STREET, "phone": "12345", "nonce": "n-phone"}


def test_portal_refuses_12345_next_to_the_phone_field(world: World, client: TestClient) -> None:
    r = post(client, "/portal", FORM)
    assert r.status_code == 400
    assert 'id="e-phone"' in r.text
    assert MESSAGE[0] in r.text


def test_desk_refuses_12345_with_the_same_message(world: World, as_user: Callable[[str], TestClient]) -> None:
    r = post(as_user("agent"), "/desk", FORM)
    assert r.status_code == 400
    assert MESSAGE[0] in r.text
