"""List exports (masking by role) and the admin console."""

from __future__ import annotations

import io
from collections.abc import Callable
from datetime import timedelta

from fastapi.testclient import TestClient
from openpyxl import load_workbook
from sqlalchemy.orm import Session
from web_helpers import post

from builders import World, file_case
from cityloop.cases import repository as cases_repo
from cityloop.kit.clock import utcnow

Browser = Callable[[str], TestClient]


def test_supervisor_export_masks_personal_data(as_user: Browser, db: Session, world: World) -> None:
    file_case(db, world.subjects["admin"], received_at=utcnow() - timedelta(days=30))
    r = as_user("supervisor").get("/supervise/export?fmt=csv")
    assert r.status_code == 200
    text = r.content.decode("utf-8-sig")
    assert "138****5678" in text
    assert "13812345678" not in text
    assert "张*" in text


def test_dispatcher_export_shows_personal_data_in_xlsx_once_approved(as_user: Browser, db: Session,
                                                                      world: World) -> None:
    from cityloop.governance.sharing.exports import service as approvals
    from cityloop.governance.sharing.exports.schemas import DecisionIn, ExportRequestIn

    file_case(db, world.subjects["agent"], category_code=None)
    asked = approvals.ask(db, world.subjects["dispatcher"],
                          ExportRequestIn(export="dispatch-queue", reason="核对来电人"))
    approvals.decide(db, world.subjects["admin"], asked.id, DecisionIn(approve=True))
    r = as_user("dispatcher").get("/dispatch/export?fmt=xlsx")
    assert r.headers["content-type"].startswith("application/vnd.openxmlformats")
    rows = list(load_workbook(io.BytesIO(r.content)).active.iter_rows(values_only=True))
    assert rows[0][0] == "工单编号"
    assert "13812345678" in rows[1]


def test_exports_neutralise_formulas(as_user: Browser, db: Session, world: World) -> None:
    file_case(db, world.subjects["agent"], category_code=None, title="=HYPERLINK(\"http://x\")")
    text = as_user("dispatcher").get("/dispatch/export?fmt=csv&lang=en").content.decode("utf-8-sig")
    assert text.startswith("Number,")
    assert "'=HYPERLINK" in text


def test_inbox_export_follows_the_filters(as_user: Browser, db: Session, world: World) -> None:
    file_case(db, world.subjects["agent"])
    c = as_user("street_handler")
    assert "小区门口占道经营" in c.get("/inbox/export?fmt=csv").content.decode("utf-8-sig")
    assert "小区门口占道经营" not in c.get("/inbox/export?fmt=csv&q=nothing-like-this").content.decode("utf-8-sig")


def test_admin_creates_users_and_units(as_user: Browser, world: World) -> None:
    c = as_user("admin")
    r = post(c, "/admin/units", {"name": "西湖区园文局", "division_code": "330106", "kind": "department",
                                 "unit_type": "yuanwen", "parent_id": str(world.units["center"].id)})
    assert r.status_code == 303
    assert "西湖区园文局" in c.get("/admin?tab=units").text
    form = {"username": "new_handler", "password": "long-enough-1", "roles": ["handler"],
            "unit_id": str(world.units["chengguan"].id), "csrf_token": c.cookies["cityloop_csrf"]}
    r = c.post("/admin/users", data=form, follow_redirects=False)
    assert r.status_code == 303
    assert "new_handler" in c.get("/admin?tab=users").text
    r = post(c, "/admin/users", {"username": "x", "password": "short", "roles": "handler",
                                 "unit_id": str(world.units["chengguan"].id)})
    assert r.status_code == 400
    assert "密码至少8位" in r.text


def test_admin_taxonomy_export_reimports(as_user: Browser, db: Session, world: World) -> None:
    c = as_user("admin")
    assert "占道经营" in c.get("/admin?tab=taxonomy").text
    exported = c.get("/admin/taxonomy/export?fmt=xlsx")
    assert exported.status_code == 200
    r = post(c, "/admin/taxonomy/import", files={"file": ("v2.xlsx", exported.content, "application/octet-stream")})
    assert r.status_code == 303
    version = cases_repo.active_version(db)
    assert version is not None
    assert version.label == "v2"
    bad = post(c, "/admin/taxonomy/import", files={"file": ("bad.csv", b"domain_code\n01\n", "text/csv")})
    assert bad.status_code == 400
    assert 'name="line" value="2"' in bad.text  # the per-row error table


def test_admin_holiday_overrides(as_user: Browser, db: Session, world: World) -> None:
    c = as_user("admin")
    assert post(c, "/admin/holidays", {"day": "2030-05-06", "is_workday": "false", "note": "调休"}).status_code == 303
    assert "2030-05-06" in c.get("/admin?tab=holidays").text
    assert [o.day.isoformat() for o in cases_repo.holiday_overrides(db)] == ["2030-05-06"]
    assert post(c, "/admin/holidays/delete", {"day": "2030-05-06"}).status_code == 303
    db.expire_all()
    assert cases_repo.holiday_overrides(db) == []
    assert post(c, "/admin/holidays", {"day": "not-a-day"}).status_code == 400


def test_static_files_are_served(client: TestClient) -> None:
    r = client.get("/static/css/app.css")
    assert r.status_code == 200
    assert "text/css" in r.headers["content-type"]
    assert client.get("/static/../pages.py").status_code == 404


def test_case_exports_are_audited_and_marked(as_user: Browser, db: Session, world: World) -> None:
    from sqlalchemy import select

    from cityloop.audit.models import AuditEntry

    case = file_case(db, world.subjects["agent"], category_code=None)
    r = as_user("dispatcher").get("/dispatch/export?fmt=xlsx")
    rows = list(load_workbook(io.BytesIO(r.content)).active.iter_rows(values_only=True))
    entry = db.scalars(select(AuditEntry).where(AuditEntry.action == "export")).one()
    assert entry.object_ids == [case.id]
    assert entry.detail["personal_data_in_clear"] is False  # no approval: masked, and the file says why
    assert "13812345678" not in rows[1]
    assert "需经审批" in rows[-2][0]
    assert rows[-1][0].startswith("导出人 dispatcher")
    assert f"CL-{entry.id}" in rows[-1][0]
