"""Admin users: search and filters, disable (no login, no token), reset password under the policy, all audited."""

from __future__ import annotations

from collections.abc import Callable

from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session
from web_helpers import csrf, post

from builders import PASSWORD, World
from cityloop.audit.models import AuditEntry

Browser = Callable[[str], TestClient]


def _rows(page: str) -> str:
    return page.split('id="user-table"')[1].split("</table>")[0]


def test_search_and_filters_narrow_the_user_list(as_user: Browser, world: World) -> None:
    c = as_user("admin")
    assert "street_handler" in _rows(c.get("/admin?tab=users").text)
    found = _rows(c.get("/admin?tab=users&q=street").text)
    assert "street_handler" in found
    assert "other_handler" not in found
    by_unit = _rows(c.get(f"/admin?tab=users&unit_id={world.units['chengguan'].id}").text)
    assert ">handler<" in by_unit
    assert "street_handler" not in by_unit
    by_role = _rows(c.get("/admin?tab=users&role=grid_worker").text)
    assert "grid_worker" in by_role
    assert ">handler<" not in by_role


def test_a_disabled_user_can_neither_log_in_nor_use_a_token(as_user: Browser, client: TestClient, db: Session,
                                                            world: World) -> None:
    token = client.post("/api/v1/auth/token", data={"username": "handler", "password": PASSWORD}).json()
    bearer = {"Authorization": f"Bearer {token['access_token']}"}
    assert client.get("/api/v1/cases", headers=bearer).status_code == 200
    user_id = world.users["handler"].id
    r = post(as_user("admin"), f"/admin/users/{user_id}/active", {"active": "false"})
    assert r.status_code == 303
    assert client.get("/api/v1/cases", headers=bearer).status_code == 401
    login = client.post("/login", data={"username": "handler", "password": PASSWORD, "csrf_token": csrf(client)},
                        follow_redirects=False)
    assert login.status_code != 303
    actions = db.scalars(select(AuditEntry.action).where(AuditEntry.action == "disable_user")).all()
    assert actions == ["disable_user"]


def test_reset_password_follows_the_policy_and_is_audited(as_user: Browser, client: TestClient, db: Session,
                                                          world: World) -> None:
    c = as_user("admin")
    user_id = world.users["street_handler"].id
    weak = post(c, f"/admin/users/{user_id}/password", {"new_password": "123"})
    assert weak.status_code == 400
    assert 'class="field-error"' in weak.text
    assert post(c, f"/admin/users/{user_id}/password", {"new_password": "Lamp-Post-Bridge-42"}).status_code == 303
    ok = client.post("/api/v1/auth/token", data={"username": "street_handler", "password": "Lamp-Post-Bridge-42"})
    assert ok.status_code == 200
    entry = db.scalars(select(AuditEntry).where(AuditEntry.action == "reset_password")).one()
    assert "Lamp-Post" not in str(entry.detail)


def test_an_admin_cannot_disable_themself_or_users_outside_their_area(as_user: Browser, world: World) -> None:
    c = as_user("admin")
    assert post(c, f"/admin/users/{world.users['admin'].id}/active", {"active": "false"}).status_code == 400
    assert post(c, "/admin/users/999999/active", {"active": "false"}).status_code == 404


def test_the_grids_tab_lists_the_grids_that_exist(as_user: Browser, db: Session, world: World) -> None:
    import sys
    from pathlib import Path

    sys.path.insert(0, str(Path(__file__).parents[1] / "areas"))
    from element_fixtures import A1, add_communities, add_grids

    c = as_user("admin")
    assert "尚未导入网格" in c.get("/admin?tab=grids").text
    add_communities(db)
    add_grids(db)
    page = c.get("/admin?tab=grids").text
    table = page.split('id="grid-table"')[1].split("</table>")[0]
    assert A1 in table
    assert 'href="/api/v1/grids?division=' in table
