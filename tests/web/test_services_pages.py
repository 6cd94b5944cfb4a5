"""一网通办 pages: public search and guide, printable 告知单, applying as a citizen, the window desk, the panel."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session
from web_helpers import post

from builders import CITY, PASSWORD, World
from cityloop.accounts import service as accounts
from cityloop.kit.auth import Role
from cityloop.services.demo import seed

BIRTH = "330100-XK-0101-01"


@pytest.fixture
def catalogue(db: Session, world: World) -> None:
    """The demo catalogue and a window user."""
    seed.seed(db)
    accounts.create_user(db, "window", PASSWORD, [Role.WINDOW], scope=CITY, unit=world.units["center"])
    db.commit()


@pytest.mark.usefixtures("catalogue")
def test_search_and_guide_need_no_login(client: TestClient) -> None:
    page = client.get("/services", params={"q": "生孩子"})
    assert page.status_code == 200
    assert "出生医学证明首次签发" in page.text
    first = client.get(f"/services/items/{BIRTH}")
    assert "是否由父母本人办理" in first.text
    assert "打印一次性告知单" not in first.text
    done = client.get(f"/services/items/{BIRTH}", params={"self": "yes", "married": "no"})
    assert "母亲居民身份证" in done.text
    assert "结婚证" not in done.text
    assert "notice-link" in done.text
    english = client.get(f"/services/items/{BIRTH}", params={"self": "yes", "lang": "en"})
    assert "Are the parents married?" in english.text


@pytest.mark.usefixtures("catalogue")
def test_notice_prints_and_apply_asks_for_login(client: TestClient) -> None:
    notice = client.get(f"/services/items/{BIRTH}/notice", params={"self": "no", "married": "yes"})
    assert notice.status_code == 200
    assert "一次性告知单" in notice.text
    assert "委托书" in notice.text
    r = client.get(f"/services/apply/{BIRTH}?self=yes&married=no", follow_redirects=False)
    assert r.status_code == 303
    assert r.headers["location"].startswith("/login")


@pytest.mark.usefixtures("catalogue")
def test_citizen_applies_and_the_window_sees_it(as_user: Callable[[str], TestClient]) -> None:
    citizen = as_user("citizen")
    form = citizen.get(f"/services/apply/{BIRTH}?self=yes&married=yes")
    assert form.status_code == 200
    assert "结婚证" in form.text
    answers = {"a.self": "yes", "a.married": "yes"}
    short = post(citizen, f"/services/apply/{BIRTH}", {**answers, "material": "母亲居民身份证"})
    assert short.status_code == 400
    assert "缺少材料：结婚证" in short.text
    done = post(citizen, f"/services/apply/{BIRTH}",
                {**answers, "material": ["母亲居民身份证", "父亲居民身份证", "结婚证"]})
    assert done.status_code == 200
    assert "application-number" in done.text
    desk = as_user("window").get("/services/desk")
    assert desk.status_code == 200
    assert BIRTH in desk.text
    assert as_user("citizen").get("/services/desk").status_code == 403


@pytest.mark.usefixtures("catalogue")
def test_cockpit_shows_the_services_panel(as_user: Callable[[str], TestClient]) -> None:
    leader = as_user("leader")
    assert 'id="services-panel"' in leader.get("/cockpit").text
    figures = leader.get("/cockpit/data").json()["services"]
    assert figures["received"] == 0
    assert figures["online_rate"] == "–"


def _app_id(page: str) -> int:
    import re

    found = re.search(r'href="/services/mine/(\d+)"', page)
    assert found
    return int(found.group(1))


@pytest.mark.usefixtures("catalogue")
def test_the_walk_from_application_to_a_rectification_case(as_user: Callable[[str], TestClient]) -> None:
    citizen, window = as_user("citizen"), as_user("window")
    done = post(citizen, f"/services/apply/{BIRTH}",
                {"a.self": "yes", "a.married": "no", "material": "母亲居民身份证"})
    app_id = _app_id(done.text)
    asked = post(window, f"/services/desk/{app_id}",
                 {"action": "request_correction", "missing": "户口簿原件\n出生证明"})
    assert asked.status_code == 303
    page = citizen.get(f"/services/mine/{app_id}")
    assert "户口簿原件" in page.text
    assert 'data-state="correction"' in page.text
    resent = post(citizen, f"/services/mine/{app_id}/resubmit", {"material": ["户口簿原件", "出生证明"]})
    assert resent.status_code == 303
    for action, note in (("accept", ""), ("approve", "准予签发。"), ("deliver", "")):
        assert post(window, f"/services/desk/{app_id}", {"action": action, "note": note}).status_code == 303
    assert post(citizen, f"/services/mine/{app_id}/rate", {"score": "1", "text": "等了太久"}).status_code == 303
    assert "已转整改" in citizen.get(f"/services/mine/{app_id}").text
    queue = as_user("dispatcher").get("/dispatch")
    assert "好差评差评整改" in queue.text


@pytest.mark.usefixtures("catalogue")
def test_the_guide_editor_refuses_a_broken_guide_and_saves_a_good_one(as_user: Callable[[str], TestClient]) -> None:
    admin = as_user("admin")
    page = admin.get(f"/services/admin/guides/{BIRTH}")
    assert page.status_code == 200
    assert "married" in page.text
    broken = '{"start": "self", "questions": {"self": {"options": {"yes": {"next": "gone"}}}}}'
    refused = post(admin, f"/services/admin/guides/{BIRTH}", {"guide": broken})
    assert refused.status_code == 400
    assert "self=yes" in refused.text
    good = ('{"start": "self", "questions": {"self": {"zh": "本人？", "en": "In person?", '
            '"options": {"yes": {"next": null}}}}}')
    assert post(admin, f"/services/admin/guides/{BIRTH}", {"guide": good}).status_code == 303
    assert as_user("citizen").get(f"/services/admin/guides/{BIRTH}").status_code == 403


@pytest.mark.usefixtures("catalogue")
def test_a_scan_counts_as_a_material_and_a_wrong_type_is_refused(as_user: Callable[[str], TestClient]) -> None:
    citizen = as_user("citizen")
    answers = {"a.self": "yes", "a.married": "no"}
    png = b"\x89PNG\r\n\x1a\n" + b"0" * 64
    done = post(citizen, f"/services/apply/{BIRTH}", answers,
                files={"file.母亲居民身份证": ("id.png", png, "image/png")})
    assert done.status_code == 200
    assert "application-number" in done.text
    bad = post(citizen, f"/services/apply/{BIRTH}", answers,
               files={"file.母亲居民身份证": ("id.exe", b"MZ\x90\x00", "image/png")})
    assert bad.status_code == 400
    assert "只接受" in bad.text


@pytest.mark.usefixtures("catalogue")
def test_administrators_edit_the_synonym_table(as_user: Callable[[str], TestClient]) -> None:
    admin = as_user("admin")
    assert post(admin, "/services/admin/synonyms", {"phrase": "交房租", "terms": "租房，公积金"}).status_code == 303
    assert "交房租" in admin.get("/services/admin/synonyms").text
    assert as_user("citizen").get("/services/admin/synonyms").status_code == 403
