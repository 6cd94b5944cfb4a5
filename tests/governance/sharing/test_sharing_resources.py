"""The data resource catalogue: levels from the field catalogue, field-level errors, administrators edit."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sharing_world import ShareWorld, resource_in
from sqlalchemy import func, select

from cityloop.governance.catalogue.service import LEVELS, field
from cityloop.governance.sharing.resources.models import ShareResource
from cityloop.governance.sharing.resources.sources import SOURCES

OFFERED = list(SOURCES["cases"].offered)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(fields=st.lists(st.sampled_from(OFFERED), min_size=1, max_size=8, unique=True))
def test_a_resource_is_as_high_as_its_highest_field(share: ShareWorld, client, auth, fields) -> None:
    body = resource_in("probe", share.w.units["chengguan"].id, fields).model_dump()
    code = client.put("/api/v1/share/resources/probe", json=body, headers=auth("admin")).status_code
    if code == 404:
        assert client.post("/api/v1/share/resources", json=body, headers=auth("admin")).status_code == 201
    out = client.get("/api/v1/share/resources/probe", headers=auth("zj_handler")).json()
    declared = [field("cases", f) for f in fields]
    levels = [d.level for d in declared if d] or ["一般"]
    assert out["level"] == min(levels, key=LEVELS.index)
    assert [f["name"] for f in out["fields"]] == fields


def test_bad_resource_reports_every_field_and_writes_nothing(db, share: ShareWorld, client, auth) -> None:
    before = db.scalar(select(func.count()).select_from(ShareResource))
    body = resource_in("Bad Code!", 999_999, ["id", "password"], sharing="none").model_dump()
    body.update(source="cases", update_frequency="hourly", kind="file")
    answer = client.post("/api/v1/share/resources", json=body, headers=auth("admin"))
    assert answer.status_code == 422
    assert set(answer.json()["details"]["fields"]) == {"code", "owner_unit_id", "fields", "conditions",
                                                       "update_frequency", "kind"}
    assert db.scalar(select(func.count()).select_from(ShareResource)) == before


def test_resource_changes_are_in_the_history_and_the_audit_chain(db, share: ShareWorld, client, auth) -> None:
    from cityloop.audit.models import AuditEntry
    from cityloop.governance.sharing.history import events

    body = resource_in("cg-cases", share.w.units["chengguan"].id, ["id", "title"]).model_dump()
    assert client.put("/api/v1/share/resources/cg-cases", json=body, headers=auth("admin")).status_code == 200
    resource = db.scalar(select(ShareResource).where(ShareResource.code == "cg-cases"))
    assert resource is not None
    assert [e.action for e in events(db, "resource", resource.id)] == ["resource_create", "resource_save"]
    entries = [e for e in db.scalars(select(AuditEntry).where(AuditEntry.object_type == "share_resource"))
               if e.object_ids == [resource.id]]
    assert [e.action for e in entries] == ["share_resource_create", "share_resource_save"]


def test_only_administrators_edit_and_staff_read(share: ShareWorld, client, auth) -> None:
    body = resource_in("cg-cases", share.w.units["chengguan"].id, ["id"]).model_dump()
    assert client.put("/api/v1/share/resources/cg-cases", json=body, headers=auth("cg_lead")).status_code == 403
    assert client.get("/api/v1/share/resources", headers=auth("citizen")).status_code == 403
    codes = [r["code"] for r in client.get("/api/v1/share/resources", headers=auth("zj_handler")).json()]
    assert codes == ["cg-basic", "cg-cases", "cg-secret"]
