"""The sharing pages walk the story: request on the form, approve on the request page, see the key once."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sharing_world import ShareWorld, request_in
from sqlalchemy.orm import Session

from builders import PASSWORD, STREET
from cityloop.app import create_app
from cityloop.web.security import CSRF_COOKIE


def _browser(username: str) -> TestClient:
    c = TestClient(create_app())
    c.get("/login")
    answer = c.post("/login", data={"username": username, "password": PASSWORD,
                                    "csrf_token": c.cookies[CSRF_COOKIE]}, follow_redirects=False)
    assert answer.status_code == 303
    return c


def _post(c: TestClient, url: str, data: dict[str, object]):  # type: ignore[no-untyped-def]
    return c.post(url, data={**data, "csrf_token": c.cookies[CSRF_COOKIE]}, follow_redirects=False)


def test_request_approve_and_see_the_key_once_on_the_pages(db: Session, share: ShareWorld, engine) -> None:
    zj, lead, admin = _browser("zj_handler"), _browser("cg_lead"), _browser("admin")
    catalogue = zj.get("/sharing?lang=en")
    assert "cg-cases" in catalogue.text
    assert "/sharing/resources/cg-cases/request" in catalogue.text
    form = request_in(fields=["id", "reporter_phone"], area=STREET).model_dump(mode="json")
    bad = _post(zj, "/sharing/resources/cg-cases/request", {**form, "purpose": "看", "fields": ["id"]})
    assert bad.status_code == 400
    assert "Describe the purpose" in bad.text or "请说明用途" in bad.text
    made = _post(zj, "/sharing/resources/cg-cases/request", {**form, "masked": "on"})
    assert made.status_code == 303
    page = made.headers["location"]
    assert "approve_owner" in lead.get(page).text
    assert "approve_owner" not in admin.get(page).text  # the administrator is not the owner's approver
    assert _post(lead, f"{page}/approve_owner", {}).status_code == 303
    shown = _post(admin, f"{page}/approve_bureau", {})
    assert shown.status_code == 200
    assert "issued-key" in shown.text
    assert "cls_" in shown.text
    assert "issued-key" not in zj.get(page).text  # shown once
    usage = admin.get("/sharing")
    assert 'id="usage"' in usage.text


def test_admin_edits_a_resource_with_field_errors_on_the_form(share: ShareWorld, engine) -> None:
    admin = _browser("admin")
    assert 'id="resource-form"' in admin.get("/sharing/resources/cg-cases/edit").text
    bad = _post(admin, "/sharing/resources", {"code": "x", "title": "", "source": "cases", "kind": "api",
                                              "update_frequency": "daily", "sharing_type": "none",
                                              "opening_type": "none", "owner_unit_id": "0"})
    assert bad.status_code == 400
    assert bad.text.count('class="field-error"') >= 4  # code, title, owner, fields, conditions
    assert _browser("zj_handler").get("/sharing/resources/new", follow_redirects=False).status_code == 403


def test_export_page_explains_and_takes_a_request(share: ShareWorld, engine) -> None:
    dispatcher = _browser("dispatcher")
    assert "脱敏" in dispatcher.get("/sharing/exports?export=dispatch-queue").text
    asked = _post(dispatcher, "/sharing/exports", {"export": "dispatch-queue", "reason": "核对重复来电"})
    assert asked.status_code == 303
    admin = _browser("admin")
    listing = admin.get("/sharing/exports").text
    assert "核对重复来电" in listing
    assert 'value="approve"' in listing
