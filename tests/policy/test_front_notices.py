"""政策找人: a notice (and SMS with a known phone) once per subject, policy and standing."""

from __future__ import annotations

from front_builders import A, B, C, city, firm, import_policies
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import delete, func, select

from cityloop.channels.notify.models import OptOut, OutboxMessage
from cityloop.kit.auth import SYSTEM
from cityloop.kit.crypto import blind_index, decrypt
from cityloop.policy.matching import hooks
from cityloop.policy.matching import service as matching
from cityloop.policy.notices import service as notices
from cityloop.policy.notices.models import PolicyNotice
from cityloop.policy.notices.service import on_changes

STANDINGS = [None, "eligible", "near_miss"]


def _notices(db) -> set[tuple[str, str, str]]:
    return {(n.subject_id, n.policy_id, n.status) for n in db.scalars(select(PolicyNotice))}


def test_a_match_tells_eligible_and_near_miss_subjects_once(db) -> None:
    from cityloop.app import register_hooks

    register_hooks()
    assert on_changes in hooks.LISTENERS
    city(db)
    assert _notices(db) == {(A, "P-HT", "eligible"), (A, "P-JOBS", "eligible"), (B, "P-JOBS", "near_miss"),
                            (C, "P-JOBS", "eligible"), (C, "P-MFG", "eligible")}
    matching.match(db, SYSTEM)
    matching.match(db, SYSTEM, "P-JOBS")
    assert db.scalar(select(func.count()).select_from(PolicyNotice)) == 5
    near = db.scalar(select(PolicyNotice).where(PolicyNotice.subject_id == B))
    assert near.failed == ["员工不少于10人"]
    assert "员工不少于10人" in near.text
    assert near.notified_at is not None


def test_sms_only_for_subjects_with_a_phone_and_not_opted_out(db) -> None:
    from cityloop.app import register_hooks

    register_hooks()
    from front_builders import enterprises

    enterprises(db)
    firm(db, "hupan", A, phone="13800138000")
    firm(db, "jixie", C, phone="13900139000")
    db.add(OptOut(phone_index=blind_index("13900139000")))
    db.commit()
    import_policies(db)  # a new policy is matched at once (incrementally): the linked firms hear of it
    matching.match(db, SYSTEM)  # and a full match afterwards tells nobody twice
    sms = list(db.scalars(select(OutboxMessage).where(OutboxMessage.channel == "sms")))
    assert sorted(m.kind for m in sms) == ["policy_eligible", "policy_eligible"]
    assert {decrypt(m.recipient) for m in sms} == {"13800138000"}
    assert {m.division_code for m in sms} == {"330106001"}
    assert sorted(m.text.split("「")[1].split("」")[0] for m in sms) == ["稳岗补贴", "高新技术企业奖励"]
    queued = {n.subject_id: n.sms_queued for n in db.scalars(select(PolicyNotice))}
    assert queued[A]
    assert not queued[B]
    assert not queued[C]


def test_a_subject_reads_its_notices_and_no_one_elses(db, client, auth) -> None:
    from cityloop.app import register_hooks

    register_hooks()
    city(db)
    firm(db, "hupan", A)
    firm(db, "xiaoguan", B)
    box = client.get("/api/v1/policy/notices", headers=auth("hupan")).json()
    assert box["unread"] == 2
    assert {n["policy_id"] for n in box["items"]} == {"P-HT", "P-JOBS"}
    theirs = client.get("/api/v1/policy/notices", headers=auth("xiaoguan")).json()["items"][0]["id"]
    assert client.post(f"/api/v1/policy/notices/{theirs}/read", headers=auth("hupan")).status_code == 404
    first = box["items"][0]["id"]
    assert client.post(f"/api/v1/policy/notices/{first}/read", headers=auth("hupan")).json() == {"marked": 1}
    assert client.get("/api/v1/policy/notices", headers=auth("hupan")).json()["unread"] == 1
    assert client.post("/api/v1/policy/notices/read-all", headers=auth("hupan")).json() == {"marked": 1}
    assert client.get("/api/v1/policy/notices", headers=auth("xiaoguan")).json()["unread"] == 1


changes = st.lists(st.tuples(st.sampled_from([A, B, C]), st.sampled_from(["P-HT", "P-JOBS"]),
                             st.sampled_from(STANDINGS), st.sampled_from(STANDINGS)), max_size=12)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(batches=st.lists(changes, max_size=4))
def test_notices_are_once_per_subject_policy_and_standing(db, batches) -> None:
    notices.register()
    import_policies(db)
    db.execute(delete(PolicyNotice))
    expected: set[tuple[str, str, str]] = set()
    for batch in batches:
        hooks.announce(db, [hooks.Change("enterprise", s, p, before, after) for s, p, before, after in batch])
        expected |= {(s, p, after) for s, p, before, after in batch if after and after != before}
        db.flush()
    rows = list(db.scalars(select(PolicyNotice)))
    assert len(rows) == len(expected)
    assert _notices(db) == expected
    db.rollback()


def test_inbox_of_staff_is_refused(world, db) -> None:
    import pytest

    from cityloop.kit.errors import Forbidden

    with pytest.raises(Forbidden):
        notices.inbox(db, world.subjects["leader"])


def test_a_changed_enterprise_rematched_alone_is_told_of_its_new_standing(db) -> None:
    from front_builders import HEADER

    from cityloop.policy.registry import service as registry

    city(db)
    grown = HEADER + f"{B},小馆,H62,micro,2020,330106001,12,80,B,false,0\n"
    registry.import_enterprises(db, SYSTEM, grown.encode(), "e.csv")
    matching.match_one(db, B)
    assert {(p, s) for sid, p, s in _notices(db) if sid == B} == {("P-JOBS", "near_miss"), ("P-JOBS", "eligible")}
    grown = HEADER + f"{B},小馆,H62,micro,2020,330106001,12,80,C,false,0\n"
    registry.import_enterprises(db, SYSTEM, grown.encode(), "e.csv")
    matching.match_one(db, B)  # back to a near-miss: no second near-miss notice, whatever failed this time
    assert len([n for n in _notices(db) if n[0] == B]) == 2
    tech = HEADER + f"{C},拱墅机械,C34,medium,2010,330105001,120,9000,B,true,0.01\n"
    registry.import_enterprises(db, SYSTEM, tech.encode(), "e.csv")
    matching.match_one(db, C)
    near = db.scalar(select(PolicyNotice).where(PolicyNotice.subject_id == C, PolicyNotice.policy_id == "P-HT"))
    assert "研发投入占比≥3%（研发投入占比 ≥ 3%，当前 1%）" in near.text
    matching.match_one(db, B)
    assert len([n for n in _notices(db) if n[0] == B]) == 2
