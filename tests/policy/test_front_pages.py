"""Policy pages: 可享政策 for a firm, the editor for admins only, the dashboard and its cockpit panel."""

from __future__ import annotations

import io
import json

import pytest
from fastapi.testclient import TestClient
from front_builders import PASSWORD, A, B, city, firm

from cityloop.app import create_app
from cityloop.web.security import CSRF_COOKIE


@pytest.fixture
def browser_as(engine):  # type: ignore[no-untyped-def]
    """Factory of page clients logged in through the login form."""
    opened: list[TestClient] = []

    def make(username: str) -> TestClient:
        c = TestClient(create_app())
        c.__enter__()
        opened.append(c)
        c.get("/login")
        r = c.post("/login", data={"username": username, "password": PASSWORD, "csrf_token": token(c)},
                   follow_redirects=False)
        assert r.status_code == 303, r.text
        return c

    yield make
    for c in opened:
        c.__exit__(None, None, None)


def token(c: TestClient) -> str:
    """The browser's CSRF token."""
    return str(c.cookies[CSRF_COOKIE])


def test_a_firm_lands_on_its_policies_and_reads_its_notices(world, db, browser_as) -> None:
    city(db)
    firm(db, "xiaoguan", B)
    c = browser_as("xiaoguan")
    home = c.get("/", follow_redirects=False)
    assert home.headers["location"] == "/my/policies"
    page = c.get("/my/policies").text
    assert "稳岗补贴" in page
    assert "员工人数 ≥ 10，当前 7" in page
    assert "未读 1" in page
    assert "高新技术企业奖励" not in page  # not theirs: B fails both criteria
    english = c.get("/my/policies?lang=en").text
    assert "employees ≥ 10, now 7" in english
    notice = page.split('action="/my/policies/notices/')[2].split("/read")[0]  # [1] is read-all
    assert c.post(f"/my/policies/notices/{notice}/read", data={"csrf_token": token(c)},
                  follow_redirects=False).status_code == 303
    assert 'data-unread="0"' in c.get("/my/policies").text


def test_another_firms_page_shows_only_its_own(world, db, browser_as) -> None:
    city(db)
    firm(db, "hupan", A)
    firm(db, "xiaoguan", B)
    page = browser_as("hupan").get("/my/policies").text
    assert "高新技术企业奖励" in page
    assert "湖畔科技" in page
    assert "小馆" not in page
    assert "当前 7" not in page


@pytest.mark.parametrize("who", ["leader", "dispatcher", "citizen"])
def test_the_editor_pages_refuse_non_admins(world, db, browser_as, who: str) -> None:
    city(db)
    c = browser_as(who)
    assert c.get("/admin/policies").status_code == 403
    assert c.get("/admin/policies/P-HT").status_code == 403
    assert c.post("/admin/policies/P-HT/match", data={"csrf_token": token(c)}).status_code == 403


def test_the_editor_imports_edits_and_rematches(world, db, browser_as) -> None:
    city(db)
    c = browser_as("admin")
    listing = c.get("/admin/policies").text
    assert 'data-policy="P-JOBS"' in listing
    new = [{"id": "P-NEW", "title": "新政策", "object": "enterprise",
            "criteria": [{"label": "员工不少于1人", "rule": {">=": [{"var": "employees"}, 1]}}]}]
    done = c.post("/admin/policies/import", data={"csrf_token": token(c)},
                  files={"file": ("p.json", io.BytesIO(json.dumps(new).encode()), "application/json")},
                  follow_redirects=False)
    assert done.status_code == 303
    bad = c.post("/admin/policies/import", data={"csrf_token": token(c)},
                 files={"file": ("p.json", io.BytesIO(b'[{"id": "X"}]'), "application/json")})
    assert bad.status_code == 422
    assert "[0].title" in bad.text
    detail = c.get("/admin/policies/P-NEW").text
    assert "/api/v1/policy/preview" in detail
    assert "员工不少于1人" in detail
    c.post("/admin/policies/P-NEW/match", data={"csrf_token": token(c)})
    assert '<td data-figure="eligible">3</td>' in c.get("/admin/policies").text
    preview = c.post("/api/v1/policy/preview", headers={"X-CSRF-Token": token(c)},
                     json={"object": "enterprise", "criteria": new[0]["criteria"]})
    assert preview.json() == {"eligible": 3, "near_miss": 0, "total": 3}


def test_dashboard_page_and_cockpit_panel(world, db, browser_as) -> None:
    city(db)
    c = browser_as("leader")
    page = c.get("/policy/dashboard").text
    assert 'id="total-eligible">4<' in page
    assert "稳岗补贴" in page
    assert 'id="policy-panel"' in c.get("/cockpit").text
    data = c.get("/cockpit/data").json()
    assert data["policy"] == {"eligible": 4, "near_miss": 1, "notified": 5, "paid": 0}
    assert browser_as("handler").get("/policy/dashboard").status_code == 403


def test_a_linked_citizen_finds_the_policies_link_and_unread_count_on_the_portal(world, db, browser_as) -> None:
    from cityloop.kit.auth import SYSTEM
    from cityloop.policy.accounts import service as links
    from cityloop.policy.matching import hooks

    city(db)
    links.link_user(db, SYSTEM, world.users["citizen"].id, "person", "P-0001")
    hooks.announce(db, [hooks.Change("person", "P-0001", "P-HT", None, "eligible")])
    db.commit()
    c = browser_as("citizen")
    assert 'id="my-policies-link"' in c.get("/portal").text
    assert 'data-unread="1"' in c.get("/my/policies/badge").text
    assert browser_as("leader").get("/my/policies/badge").status_code == 403


def test_the_admin_links_a_firm_account_from_the_page(world, db, browser_as) -> None:
    from cityloop.accounts import service as accounts
    from cityloop.kit.auth import Role

    city(db)
    accounts.create_user(db, "newfirm", PASSWORD, [Role.FIRM])
    db.commit()
    c = browser_as("admin")
    bad = c.post("/admin/policies/links", data={"csrf_token": token(c), "username": "nobody",
                                                "subject_kind": "enterprise", "subject_id": A})
    assert bad.status_code == 422
    assert "用户不存在" in bad.text
    ok = c.post("/admin/policies/links", data={"csrf_token": token(c), "username": "newfirm",
                                               "subject_kind": "enterprise", "subject_id": A, "phone": ""},
                follow_redirects=False)
    assert ok.status_code == 303
    assert "高新技术企业奖励" in browser_as("newfirm").get("/my/policies").text
    leader = browser_as("leader")
    refused = leader.post("/admin/policies/links", data={"csrf_token": token(leader), "username": "newfirm",
                                                         "subject_kind": "enterprise", "subject_id": B})
    assert refused.status_code == 403


def test_an_administrator_opening_my_policies_is_sent_to_the_editor(world, db, browser_as) -> None:
    page = browser_as("admin").get("/my/policies")
    assert page.status_code == 200
    assert 'href="/admin/policies"' in page.text
