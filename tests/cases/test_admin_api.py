"""Reference data, taxonomy API, holiday overrides and public tracking."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from builders import TAXONOMY_CSV, file_case
from cityloop.cases.schemas import ActionIn
from cityloop.cases.workflow import perform
from cityloop.kit import clock


def test_reference_lists_every_state_and_action_with_labels(client, world, auth) -> None:
    ref = client.get("/api/v1/reference", headers=auth("dispatcher")).json()
    assert ref["states"]["handling"] == {"zh": "处置中", "en": "Being handled", "colour": "#fa8c16"}
    assert ref["actions"]["dispatch"]["roles"] == ["dispatcher"]


def test_taxonomy_tree_has_leaves_with_rules(client, world, auth) -> None:
    tree = client.get("/api/v1/taxonomy", headers=auth("dispatcher")).json()
    domain = next(c for c in tree["categories"] if c["code"] == "01")
    leaf = domain["children"][0]["children"][0]
    assert leaf["code"] == "010101"
    assert {r["area_level"] for r in leaf["rules"]} == {3, 4}


def test_taxonomy_import_creates_a_new_version_and_old_cases_keep_theirs(client, db, world, auth) -> None:
    old_case = file_case(db, world.subjects["agent"])
    edited = TAXONOMY_CSV.replace("占道经营,摆摊 占道,street,street_office,,2,wh,5,wd",
                                  "占道经营,摆摊 占道,street,street_office,,2,wh,3,wd")
    resp = client.post("/api/v1/taxonomy/import", files={"file": ("v2.csv", edited.encode(), "text/csv")},
                       headers=auth("admin"))
    assert resp.status_code == 201, resp.text
    new_case = file_case(db, world.subjects["agent"])
    assert new_case.taxonomy_version_id == resp.json()["version"]
    assert old_case.taxonomy_version_id != new_case.taxonomy_version_id
    assert (old_case.handle_limit, new_case.handle_limit) == (5, 3)
    assert client.post("/api/v1/taxonomy/import", files={"file": ("v.csv", b"x", "text/csv")},
                       headers=auth("dispatcher")).status_code == 403


def test_taxonomy_import_reports_bad_rows_with_line_numbers_and_writes_nothing(client, world, auth) -> None:
    bad = TAXONOMY_CSV.replace("district,chengguan,,2,wh,3,wd", "galaxy,chengguan,,2,wh,-3,weeks")
    resp = client.post("/api/v1/taxonomy/import", files={"file": ("bad.csv", bad.encode(), "text/csv")},
                       headers=auth("admin"))
    assert resp.status_code == 422
    fields = resp.json()["details"]["fields"]
    assert list(fields) == ["line 4"]
    for word in ("area_level", "handle_limit", "handle_unit"):
        assert word in fields["line 4"]["en"]
    assert client.get("/api/v1/taxonomy", headers=auth("admin")).json()["version"] == 1


def test_taxonomy_export_round_trips(client, world, auth) -> None:
    exported = client.get("/api/v1/taxonomy/export", params={"format": "csv"}, headers=auth("admin"))
    assert exported.status_code == 200
    resp = client.post("/api/v1/taxonomy/import", files={"file": ("again.csv", exported.content, "text/csv")},
                       headers=auth("admin"))
    assert resp.status_code == 201
    first = client.get("/api/v1/taxonomy", params={"version_id": 1}, headers=auth("admin")).json()
    second = client.get("/api/v1/taxonomy", headers=auth("admin")).json()
    assert first["categories"] == second["categories"]


def test_holiday_override_is_admin_only_and_changes_deadlines(client, db, world, auth) -> None:
    assert client.put("/api/v1/holidays/2025-03-05", json={"is_workday": False},
                      headers=auth("dispatcher")).status_code == 403
    clock.freeze(datetime(2025, 3, 3, 2, 0, tzinfo=UTC))
    before = file_case(db, world.subjects["agent"]).deadline
    resp = client.put("/api/v1/holidays/2025-03-05", json={"is_workday": False, "note": "停工"}, headers=auth("admin"))
    assert resp.status_code == 200
    after = file_case(db, world.subjects["agent"]).deadline
    assert (after - before).days == 1
    assert client.get("/api/v1/holidays", headers=auth("admin")).json()[0]["note"] == "停工"
    assert client.delete("/api/v1/holidays/2025-03-05", headers=auth("admin")).status_code == 204


def test_public_tracking_needs_the_right_code_and_hides_personal_data(client, db, world) -> None:
    case = file_case(db, world.subjects["agent"])
    perform(db, world.subjects["street_handler"], case.id, "sign", ActionIn())
    ok = client.get("/api/v1/track", params={"number": case.number, "code": case.lookup_code})
    assert ok.status_code == 200
    body = ok.json()
    assert body["state"] == "handling"
    assert "13812345678" not in ok.text
    wrong = client.get("/api/v1/track", params={"number": case.number, "code": "ZZZZZZ"})
    assert wrong.status_code == 404


def test_units_are_for_staff_and_users_for_admins(client, world, auth) -> None:
    assert len(client.get("/api/v1/units", headers=auth("dispatcher")).json()) == len(world.units)
    assert client.get("/api/v1/units", headers=auth("citizen")).status_code == 403
    assert client.get("/api/v1/users", headers=auth("dispatcher")).status_code == 403
    users = client.get("/api/v1/users", headers=auth("admin")).json()
    assert "password_hash" not in users[0]


@pytest.mark.parametrize(("name", "content"), [("bad.csv", b"\r0\n"), ("bad.csv", b"\xff\xfe\x00"),
                                               ("bad.xlsx", b"not a zip")])
def test_unreadable_taxonomy_files_get_a_422(client, world, auth, name, content) -> None:  # type: ignore[no-untyped-def]
    resp = client.post("/api/v1/taxonomy/import", files={"file": (name, content, "text/csv")}, headers=auth("admin"))
    assert resp.status_code == 422
    assert resp.json()["details"]["fields"]  # every problem named, with zh and en text
