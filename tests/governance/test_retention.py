"""Retention and personal-data requests: identities go on time or on request, statistics and holds stay."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from builders import World, file_case
from cityloop.audit.models import AuditEntry
from cityloop.cases.kpi import KpiQuery, kpi_report
from cityloop.cases.models import Case, CaseEvent
from cityloop.cli import app
from cityloop.config import get_settings
from cityloop.governance.retention.service import anonymise_expired, erase_person, export_person, set_hold
from cityloop.kit import clock
from cityloop.kit.errors import Forbidden, ValidationFailed

PHONE = "13812345678"


def _closed(db: Session, world: World, days_ago: int, phone: str = PHONE) -> Case:
    case = file_case(db, world.subjects["agent"], reporter={"name": "张三", "phone": phone})
    case.state, case.closed_at = "closed", clock.utcnow() - timedelta(days=days_ago)
    db.commit()
    return case


@pytest.fixture
def keep_30_days(monkeypatch):  # type: ignore[no-untyped-def]
    monkeypatch.setenv("CITYLOOP_RETENTION_REPORTER_DAYS", "30")
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


def test_expired_identities_go_and_statistics_stay(db: Session, world: World, keep_30_days) -> None:  # type: ignore[no-untyped-def]
    old, recent = _closed(db, world, 40), _closed(db, world, 10)
    held = _closed(db, world, 50)
    set_hold(db, world.subjects["admin"], held.number, True, "法院调取令 2026-17")
    before = kpi_report(db, world.subjects["leader"], KpiQuery(), live=True).received
    outcome = anonymise_expired(db)
    db.commit()
    assert outcome.erased == [old.id]
    db.expire_all()
    assert (old.reporter_name, old.reporter_phone, old.reporter_phone_index) == (None, None, None)
    assert recent.reporter_phone is not None
    assert held.reporter_phone is not None
    assert kpi_report(db, world.subjects["leader"], KpiQuery(), live=True).received == before
    actions = db.scalars(select(CaseEvent.action).where(CaseEvent.case_id == old.id)).all()
    assert "anonymise" in actions
    assert db.scalar(select(AuditEntry).where(AuditEntry.action == "anonymise")) is not None
    assert anonymise_expired(db).erased == []  # nothing left to do: a second node's run is harmless


def test_retention_off_keeps_everything(db: Session, world: World) -> None:
    _closed(db, world, 4000)
    assert anonymise_expired(db).erased == []


def test_a_person_exports_then_erases_their_data(db: Session, world: World) -> None:
    a, b = _closed(db, world, 1), _closed(db, world, 2)
    other = _closed(db, world, 1, phone="13900001111")
    set_hold(db, world.subjects["admin"], b.number, True, "纪检调查保全")
    found = export_person(db, world.subjects["admin"], "138 1234 5678")
    assert {c["number"] for c in found["cases"]} == {a.number, b.number}
    assert found["cases"][0]["reporter_name"] == "张三"
    outcome = erase_person(db, world.subjects["admin"], PHONE, "申请编号 2026-0042")
    db.commit()
    assert outcome.erased == [a.id]
    assert outcome.held == [b.id]
    db.expire_all()
    from cityloop.channels.notify.models import OutboxMessage

    assert db.scalars(select(OutboxMessage.recipient).where(OutboxMessage.case_id == a.id)).all() in ([], [None])
    assert a.reporter_phone is None
    assert b.reporter_phone is not None
    assert other.reporter_phone is not None
    assert [c["number"] for c in export_person(db, world.subjects["admin"], PHONE)["cases"]] == [b.number]


def test_only_administrators_handle_requests_and_they_must_say_why(db: Session, world: World) -> None:
    with pytest.raises(Forbidden):
        erase_person(db, world.subjects["dispatcher"], PHONE, "申请编号 1")
    with pytest.raises(ValidationFailed):
        erase_person(db, world.subjects["admin"], PHONE, "")
    with pytest.raises(Forbidden):
        export_person(db, world.subjects["leader"], PHONE)


def test_erase_command(db: Session, world: World) -> None:
    case = _closed(db, world, 1)
    done = CliRunner().invoke(app, ["governance", "erase-person", "--phone", PHONE, "--note", "来信申请 7 号"])
    assert done.exit_code == 0, done.output
    assert json.loads(done.output) == {"erased": 1, "held": 0}
    db.expire_all()
    assert db.get(Case, case.id).reporter_phone is None  # type: ignore[union-attr]
