"""The Core write path of intake: the same rows the ORM would store, atomic, and a case usable as loaded."""

from __future__ import annotations

import pytest
from sqlalchemy import func, inspect, select
from sqlalchemy.exc import IntegrityError

from builders import case_in, file_case
from cityloop.accounts.notifications.models import Notification
from cityloop.cases import intake as intake_module
from cityloop.cases import storage
from cityloop.cases.idempotency.models import IdempotencyKey
from cityloop.cases.models import Case, CaseEvent, CaseFile
from cityloop.cases.schemas import ActionIn
from cityloop.cases.workflow import perform
from cityloop.kit.core_insert import insert_loaded


def _count(db, model) -> int:  # type: ignore[no-untyped-def]
    return int(db.scalar(select(func.count()).select_from(model)) or 0)


def test_a_stored_case_reads_back_equal_to_the_object_and_carries_its_search_terms(db, world) -> None:
    case = file_case(db, world.subjects["agent"], title="井盖缺失", content="文三路口井盖缺失，夜间危险")
    db.expire_all()
    stored = db.get(Case, case.id)
    assert stored is not None
    assert (stored.title, stored.state, stored.row_version, stored.card, stored.escalation_level) == (
        "井盖缺失", "dispatched", 1, "none", 0)
    assert None not in (stored.created_at, stored.updated_at, stored.deadline, stored.sign_deadline)
    assert "井盖" in (db.scalar(select(Case.search_grams).where(Case.id == case.id)) or "")
    assert [e.action for e in db.scalars(select(CaseEvent).where(CaseEvent.case_id == case.id)
                                         .order_by(CaseEvent.id))] == ["receive", "auto_dispatch"]


def test_the_returned_case_is_persistent_with_nothing_pending_and_the_workflow_updates_it(db, world) -> None:
    case = file_case(db, world.subjects["agent"])
    state = inspect(case)
    assert state.persistent
    assert not db.dirty
    assert not db.new
    handler = world.subjects["street_handler"]
    perform(db, handler, case.id, "sign", ActionIn())
    db.expire_all()
    signed = db.get(Case, case.id)
    assert signed is not None
    assert (signed.state, signed.row_version) == ("handling", 2)


def test_attachments_are_indexed_with_the_case(db, world) -> None:
    attachments = [{"url": f"/files/{name}", "name": name, "content_type": "image/jpeg", "size": 10}
                   for name in ("b2.jpg", "a1.jpg")]
    case = file_case(db, world.subjects["agent"], attachments=attachments)
    assert sorted(db.scalars(select(CaseFile.name).where(CaseFile.case_id == case.id))) == ["a1.jpg", "b2.jpg"]


def test_a_taken_key_writes_nothing_at_all(db, world) -> None:
    subject = world.subjects["agent"]
    first = file_case(db, subject)
    before = (_count(db, Case), _count(db, CaseEvent), _count(db, IdempotencyKey))
    db.add(IdempotencyKey(key="taken", fingerprint="x", case_id=first.id))
    db.commit()
    built = intake_module.build(db, subject, case_in(), "other")
    with pytest.raises(IntegrityError):
        storage.store_new_case(db, built, intake_module._first_events(subject, built), ("taken", "y"))
    db.rollback()
    assert (_count(db, Case), _count(db, CaseEvent), _count(db, IdempotencyKey) - 1) == before


def test_insert_loaded_fills_defaults_and_ids_in_order(db, world) -> None:
    user_id = world.users["agent"].id
    rows = [Notification(user_id=user_id, kind="test", text=f"n{i}") for i in range(3)]
    insert_loaded(db, rows)
    assert [r.id for r in rows] == sorted(r.id for r in rows)
    assert all(inspect(r).persistent for r in rows)
    db.commit()
    db.expire_all()
    stored = db.scalars(select(Notification).where(Notification.kind == "test").order_by(Notification.id)).all()
    expected = [(f"n{i}", "", "", None) for i in range(3)]
    assert [(r.text, r.text_en, r.sender_name, r.read_at) for r in stored] == expected
    assert all(r.created_at is not None for r in stored)
