"""The policy editor (administrators only) and the dashboard (leaders, supervisors, admins; their area only)."""

from __future__ import annotations

import json

import pytest
from front_builders import POLICIES, A, B, C, city, enterprises, firm, import_policies
from sqlalchemy import select

from cityloop.kit.errors import Forbidden, ValidationFailed
from cityloop.policy.admin import service as admin
from cityloop.policy.dashboard import service as dashboard
from cityloop.policy.matching.preview import preview
from cityloop.policy.policies.models import Policy


def test_the_editor_lists_counts_and_previews(world, db) -> None:
    city(db)
    rows = {r.id: (r.eligible, r.near_miss) for r in admin.overview(db, world.subjects["admin"])}
    assert rows == {"P-HT": (1, 0), "P-JOBS": (2, 1), "P-MFG": (1, 0)}
    looser = [{"label": "员工不少于5人", "rule": {">=": [{"var": "employees"}, 5]}},
              {"label": "纳税信用A/B", "rule": {"in": [{"var": "tax_credit"}, ["A", "B"]]}}]
    assert preview(db, world.subjects["admin"], "enterprise", looser) == {"eligible": 3, "near_miss": 0, "total": 3}
    with pytest.raises(ValidationFailed) as bad:
        preview(db, world.subjects["admin"], "enterprise", [{"label": "x", "rule": {"var": "nope"}}])
    assert list(bad.value.fields) == ["criteria[0].rule.var"]


def test_saving_criteria_goes_through_the_import_and_rematch_follows(world, db) -> None:
    city(db)
    looser = [{"label": "员工不少于5人", "rule": {">=": [{"var": "employees"}, 5]}}]
    admin.save_criteria(db, world.subjects["admin"], "P-JOBS", json.dumps(looser, ensure_ascii=False))
    assert db.get(Policy, "P-JOBS").criteria == looser
    assert admin.rematch(db, world.subjects["admin"], "P-JOBS") == admin.Preview(3, 0, 3)
    with pytest.raises(ValidationFailed):
        admin.save_criteria(db, world.subjects["admin"], "P-JOBS", '[{"label": "x", "rule": {"bogus": [1]}}]')
    db.rollback()
    assert db.get(Policy, "P-JOBS").criteria == looser


@pytest.mark.parametrize("who", ["leader", "supervisor", "dispatcher", "handler", "citizen"])
def test_the_editor_refuses_non_admins(world, db, who: str) -> None:
    city(db)
    with pytest.raises(Forbidden):
        admin.overview(db, world.subjects[who])
    with pytest.raises(Forbidden):
        preview(db, world.subjects[who], "enterprise", POLICIES[0]["criteria"])


def test_editor_pages_and_api_refuse_non_admins(world, db, client, auth) -> None:
    city(db)
    firm(db, "hupan", A)
    for who in ("leader", "hupan"):
        assert client.get("/api/v1/policy/admin/policies", headers=auth(who)).status_code == 403
        assert client.post("/api/v1/policy/admin/policies/P-HT/match", headers=auth(who)).status_code == 403
    ok = client.get("/api/v1/policy/admin/policies", headers=auth("admin"))
    assert ok.status_code == 200
    assert {r["id"] for r in ok.json()} == {"P-HT", "P-JOBS", "P-MFG"}


def test_the_dashboard_is_scoped_to_the_callers_area(world, db) -> None:
    city(db)
    whole = dashboard.dashboard(db, world.subjects["leader"])  # city scope 3301: every enterprise
    assert (whole.totals.eligible, whole.totals.near_miss, whole.totals.notified) == (4, 1, 5)
    assert {r.key: r.eligible for r in whole.areas} == {"330106": 2, "330105": 2}
    assert {r.key: (r.eligible, r.near_miss) for r in whole.industries} == {"I": (2, 0), "C": (2, 0), "H": (0, 1)}
    district = dashboard.dashboard(db, world.subjects["leader"], "330105")
    assert {r.key: (r.eligible, r.notified) for r in district.policies} == {
        "P-HT": (0, 0), "P-JOBS": (1, 1), "P-MFG": (1, 1)}
    with pytest.raises(Forbidden):
        dashboard.dashboard(db, world.subjects["leader"], "3202")


def test_a_dashboard_of_a_narrower_area_sees_only_it(world, db) -> None:
    from cityloop.accounts import service as accounts

    city(db)
    user = accounts.create_user(db, "xh_leader", "secret-pass-1", ["leader"], scope="330106")
    db.commit()
    mine = dashboard.dashboard(db, accounts.subject_for_user(db, user))
    assert {r.key: (r.eligible, r.near_miss) for r in mine.policies} == {
        "P-HT": (1, 0), "P-JOBS": (1, 1), "P-MFG": (0, 0)}
    assert [r.key for r in mine.areas] == ["330106001"]
    with pytest.raises(Forbidden):
        dashboard.dashboard(db, accounts.subject_for_user(db, user), "330105")


@pytest.mark.parametrize("who", ["handler", "dispatcher", "citizen"])
def test_the_dashboard_refuses_others(world, db, who: str) -> None:
    with pytest.raises(Forbidden):
        dashboard.dashboard(db, world.subjects[who])


def test_dashboard_api_and_firm(db, client, auth, world) -> None:
    city(db)
    firm(db, "hupan", A)
    assert client.get("/api/v1/policy/dashboard", headers=auth("hupan")).status_code == 403
    body = client.get("/api/v1/policy/dashboard", headers=auth("supervisor")).json()
    assert body["totals"]["eligible"] == 4
    assert body["totals"]["paid"] == 0


def test_an_import_with_a_bad_node_writes_nothing(world, db) -> None:
    enterprises(db, B, C)
    import_policies(db)
    bad = [*POLICIES, {"id": "P-BAD", "title": "坏", "object": "enterprise",
                       "criteria": [{"label": "x", "rule": {">=": [{"var": "staff"}, 1]}}]}]
    with pytest.raises(ValidationFailed) as refused:
        admin.import_file(db, world.subjects["admin"], json.dumps(bad).encode())
    assert "[3].criteria[0].rule.>=[0].var" in refused.value.fields
    assert db.scalar(select(Policy).where(Policy.id == "P-BAD")) is None


@pytest.mark.parametrize("rule", [{"min": []}, {"!": []}])
def test_a_preview_of_criteria_the_evaluator_cannot_run_is_refused_at_the_node(world, db, rule) -> None:
    city(db)
    with pytest.raises(ValidationFailed) as refused:
        preview(db, world.subjects["admin"], "enterprise", [{"label": "x", "rule": rule}])
    assert list(refused.value.fields) == [f"criteria[0].rule.{next(iter(rule))}"]  # the bad node, by its path
