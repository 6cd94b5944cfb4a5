"""Firm accounts: linked to one enterprise, seeing only its own policies and nothing staff see."""

from __future__ import annotations

import pytest
from front_builders import A, B, C, city, firm

from cityloop.kit.auth import SYSTEM, Role
from cityloop.kit.errors import Forbidden, ValidationFailed
from cityloop.policy.accounts import service as links
from cityloop.policy.portal import service as portal


def test_a_firm_sees_its_own_policies_with_reasons(db) -> None:
    city(db)
    _user, subject = firm(db, "hupan", A)
    mine = portal.mine(db, subject, "zh")
    assert mine.subject_id == A
    assert mine.name == "湖畔科技"
    assert {s.policy_id for s in mine.eligible} == {"P-HT", "P-JOBS"}
    assert mine.near_miss == []
    jobs = next(s for s in mine.eligible if s.policy_id == "P-JOBS")
    assert [r.text for r in jobs.passed] == ["员工人数 ≥ 10，当前 35", "纳税信用等级属于 A、B，当前 A"]
    assert not jobs.no_application
    assert "申报" in jobs.how
    assert next(s for s in mine.eligible if s.policy_id == "P-HT").no_application


def test_a_near_miss_says_what_is_missing(db) -> None:
    city(db)
    _user, subject = firm(db, "xiaoguan", B)
    mine = portal.mine(db, subject, "en")
    assert mine.eligible == []
    [jobs] = mine.near_miss
    assert [(r.label, r.text) for r in jobs.missing] == [("员工不少于10人", "employees ≥ 10, now 7")]
    assert [r.label for r in jobs.passed] == ["纳税信用A/B"]


def test_another_firms_policies_never_leak(db, client, auth) -> None:
    city(db)
    firm(db, "hupan", A)
    firm(db, "jixie", C)
    body = client.get("/api/v1/policy/mine", headers=auth("jixie")).json()
    assert body["subject_id"] == C
    assert {s["policy_id"] for s in body["eligible"]} == {"P-JOBS", "P-MFG"}
    assert A not in str(body)
    assert "湖畔" not in str(body)
    other = client.get("/api/v1/policy/mine", headers=auth("hupan")).json()
    assert {s["policy_id"] for s in other["eligible"]} == {"P-HT", "P-JOBS"}


def test_an_unlinked_firm_sees_nothing_yet(db, client, auth) -> None:
    from cityloop.accounts import service as accounts

    city(db)
    accounts.create_user(db, "newfirm", "secret-pass-1", [Role.FIRM])
    db.commit()
    body = client.get("/api/v1/policy/mine", headers=auth("newfirm")).json()
    assert body["linked"] is False
    assert body["eligible"] == []


@pytest.mark.parametrize("path", ["/api/v1/policy/links", "/api/v1/notify/deliveries", "/api/v1/audit", "/api/v1/kpi"])
def test_staff_endpoints_refuse_a_firm(db, client, auth, path: str) -> None:
    city(db)
    firm(db, "hupan", A)
    assert client.get(path, headers=auth("hupan")).status_code == 403


def test_a_firm_is_no_staff_and_sees_no_cases_of_others(world, db, client, auth) -> None:
    from builders import file_case

    city(db)
    _user, subject = firm(db, "hupan", A)
    assert not subject.is_staff
    file_case(db, world.subjects["dispatcher"])
    assert client.get("/api/v1/cases", headers=auth("dispatcher")).json()["total"] == 1
    listed = client.get("/api/v1/cases", headers=auth("hupan"))
    assert listed.status_code == 200
    assert listed.json()["total"] == 0


def test_staff_have_no_policies_of_their_own(world, db) -> None:
    with pytest.raises(Forbidden):
        portal.mine(db, world.subjects["handler"], "zh")


def test_links_are_checked_field_by_field(db) -> None:
    from cityloop.accounts import service as accounts

    city(db)
    citizen = accounts.create_user(db, "resident", "secret-pass-1", [Role.CITIZEN])
    firm_user = accounts.create_user(db, "f", "secret-pass-1", [Role.FIRM])
    db.commit()
    with pytest.raises(ValidationFailed) as wrong_kind:
        links.link_user(db, SYSTEM, citizen.id, "enterprise", A)
    assert set(wrong_kind.value.fields) == {"user_id"}
    with pytest.raises(ValidationFailed) as bad:
        links.link_user(db, SYSTEM, firm_user.id, "enterprise", "91330106MA2ABCDE1X", "123")
    assert set(bad.value.fields) == {"subject_id", "phone"}
    assert links.links(db, SYSTEM) == []
    person = links.link_user(db, SYSTEM, citizen.id, "person", "P-0001", "13800138000")
    assert person.phone == "13800138000"


def test_only_administrators_link(world, db) -> None:
    city(db)
    user, _ = firm(db, "hupan", A)
    with pytest.raises(Forbidden):
        links.link_user(db, world.subjects["supervisor"], user.id, "enterprise", B)


def test_link_phone_is_masked_for_readers_without_pii(world, db, client, auth) -> None:
    city(db)
    firm(db, "hupan", A, phone="13800138000")
    shown = links.links(db, world.subjects["admin"])
    assert shown[0].phone == "13800138000"
    masked = links._view(db, world.subjects["leader"], links.repo.links(db)[0], "hupan")
    assert masked.phone == "138****8000"
