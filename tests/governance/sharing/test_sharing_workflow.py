"""The approval state machine: no sequence of acts issues a key without the approvals it needs; ends are final."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sharing_world import ShareWorld, request_in
from sqlalchemy import select

from cityloop.audit.models import AuditEntry
from cityloop.governance.sharing.history import events
from cityloop.governance.sharing.keys.repository import for_request
from cityloop.governance.sharing.requests import service as requests
from cityloop.governance.sharing.requests.models import ShareRequest
from cityloop.governance.sharing.states import ACTIONS, FINAL, RequestState
from cityloop.kit.errors import DomainError, Forbidden, NotFound, ValidationFailed

ACTORS = ["zj_handler", "cg_lead", "zj_lead", "admin", "admin2", "handler", "supervisor", "dispatcher"]
STEPS = st.lists(st.tuples(st.sampled_from(ACTORS), st.sampled_from(ACTIONS)), max_size=8)
FUZZ = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


@FUZZ
@given(steps=STEPS, important=st.booleans())
def test_no_sequence_issues_a_key_without_the_needed_approvals(db, share: ShareWorld, steps, important) -> None:
    code = "cg-cases" if important else "cg-basic"
    made = requests.submit(db, share.subjects["zj_handler"], request_in(code))
    assert made.needs_bureau is important
    done = 0
    final: str | None = None
    for actor, action in steps:
        try:
            requests.act(db, share.subjects[actor], made.id, action, reason="理由充分")
            done += 1
        except DomainError:
            db.rollback()
        request = db.get(ShareRequest, made.id)
        assert request is not None
        db.refresh(request)
        if final is not None:
            assert request.state == final  # rejected, withdrawn and revoked are final
        if request.state in FINAL:
            final = request.state
        key = for_request(db, made.id)
        assert (key is not None) == (request.state in {RequestState.APPROVED, RequestState.REVOKED})
        if key is not None:
            assert request.owner_approver_id == share.subjects["cg_lead"].id  # only the owner unit's supervisor
            if important:
                assert request.bureau_approver_id in {share.subjects["admin"].id, share.subjects["admin2"].id}
                assert request.bureau_approver_id != request.owner_approver_id
            else:
                assert request.bureau_approver_id is None
    history = events(db, "request", made.id)
    assert len(history) == done + 1  # every step, and nothing else, is in the append-only history
    audited = db.scalars(select(AuditEntry).where(AuditEntry.object_type == "share_request",
                                                  AuditEntry.action != "share_call")).all()
    assert sum(1 for e in audited if e.object_ids == [made.id]) == done + 1


def test_non_owners_cannot_approve(db, share: ShareWorld) -> None:
    made = requests.submit(db, share.subjects["zj_handler"], request_in("cg-basic"))
    for who in ("admin", "supervisor", "zj_lead", "handler", "zj_handler"):
        try:
            requests.act(db, share.subjects[who], made.id, "approve_owner")
            raise AssertionError(f"{who} approved for the owner")
        except (Forbidden, NotFound):  # those who may not even see it get a 404
            db.rollback()
    assert requests.get_request(db, share.subjects["zj_handler"], made.id).state == RequestState.PENDING_OWNER


def test_the_bureau_needs_a_second_person(db, share: ShareWorld) -> None:
    s = share.subjects
    # An administrator who is also the owner's approver may not approve again as the bureau (four eyes).
    made = requests.submit(db, s["zj_handler"], request_in("cg-cases"))
    requests.act(db, s["cg_lead"], made.id, "approve_owner")
    request = db.get(ShareRequest, made.id)
    assert request is not None
    try:
        requests.act(db, s["zj_handler"], made.id, "approve_bureau")
        raise AssertionError("the requester approved")
    except Forbidden:
        db.rollback()
    out = requests.act(db, s["admin2"], made.id, "approve_bureau")
    assert out.state == RequestState.APPROVED
    assert out.key


def test_reject_and_revoke_need_a_reason(db, share: ShareWorld) -> None:
    made = requests.submit(db, share.subjects["zj_handler"], request_in("cg-basic"))
    with pytest.raises(ValidationFailed) as refused:
        requests.act(db, share.subjects["cg_lead"], made.id, "reject", reason=" ")
    assert "reason" in refused.value.fields
    out = requests.act(db, share.subjects["cg_lead"], made.id, "reject", reason="用途不明确")
    assert out.state == RequestState.REJECTED
    assert out.reason == "用途不明确"


def test_the_history_and_usage_logs_refuse_changes(db, share: ShareWorld) -> None:
    from sharing_world import approved
    from sqlalchemy import text
    from sqlalchemy.exc import DBAPIError

    from cityloop.governance.sharing.keys import data

    _out, key = approved(db, share, request_in("cg-basic"))
    data.call(db, key, "cg-basic")  # one usage row
    for table in ("share_events", "share_usage"):
        for statement in (f"UPDATE {table} SET rows = rows" if table == "share_usage" else
                          f"UPDATE {table} SET note = 'changed'", f"DELETE FROM {table}"):
            with pytest.raises(DBAPIError, match="append-only"):
                db.execute(text(statement))
            db.rollback()
