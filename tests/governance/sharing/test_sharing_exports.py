"""Exports with personal data in clear need an approval: masked without, clear with, single use, audited."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from builders import World, file_case
from cityloop.audit.models import AuditEntry
from cityloop.config import get_settings
from cityloop.governance.sharing.exports import service as approvals
from cityloop.governance.sharing.exports.schemas import DecisionIn, ExportRequestIn
from cityloop.kit.errors import Forbidden, InvalidTransition, NotFound, ValidationFailed
from cityloop.web.security import SESSION_COOKIE

PHONE = "13812345678"


@pytest.fixture
def dispatcher(client, world: World, auth):  # type: ignore[no-untyped-def]
    """A client logged in as the dispatcher (session cookie, as a browser)."""
    token = auth("dispatcher")["Authorization"].split()[1]
    client.cookies.set(SESSION_COOKIE, token)
    return client


def _export(client) -> str:  # type: ignore[no-untyped-def]
    return str(client.get("/dispatch/export?fmt=csv").content.decode("utf-8-sig"))


def _ask(db, world: World, single_use: bool = True) -> int:  # type: ignore[no-untyped-def]
    asked = approvals.ask(db, world.subjects["dispatcher"], ExportRequestIn(export="dispatch-queue",
                                                                            reason="核对重复来电的联系人"))
    approvals.decide(db, world.subjects["admin"], asked.id, DecisionIn(approve=True, single_use=single_use))
    return asked.id


def test_masked_without_approval_clear_with_it_and_single_use(db, world: World, dispatcher) -> None:
    file_case(db, world.subjects["agent"], category_code=None)
    first = _export(dispatcher)
    assert PHONE not in first
    assert "138****5678" in first
    assert "/sharing/exports" in first
    approval = _ask(db, world)
    assert PHONE in _export(dispatcher)
    assert PHONE not in _export(dispatcher)  # used up
    exports = db.scalars(select(AuditEntry).where(AuditEntry.action == "export").order_by(AuditEntry.id)).all()
    assert [e.detail["personal_data_in_clear"] for e in exports] == [False, True, False]
    assert exports[1].detail["approval"] == approval
    steps = db.scalars(select(AuditEntry.action).where(AuditEntry.object_type == "share_export")).all()
    assert steps == ["share_export_ask", "share_export_approve", "share_export_use"]


def test_a_day_long_approval_serves_several_exports(db, world: World, dispatcher) -> None:
    file_case(db, world.subjects["agent"], category_code=None)
    _ask(db, world, single_use=False)
    assert PHONE in _export(dispatcher)
    assert PHONE in _export(dispatcher)


def test_only_allowed_roles_approve_and_never_their_own(db, world: World, monkeypatch) -> None:
    s = world.subjects
    asked = approvals.ask(db, s["dispatcher"], ExportRequestIn(export="dispatch-queue", reason="核对来电人"))
    for who in ("supervisor", "dispatcher", "agent"):
        with pytest.raises((Forbidden, NotFound)):  # NotFound: not even visible to a non-approver
            approvals.decide(db, s[who], asked.id, DecisionIn(approve=True))
    monkeypatch.setenv("CITYLOOP_EXPORT_APPROVERS", "supervisor")
    get_settings.cache_clear()
    try:
        assert approvals.decide(db, s["supervisor"], asked.id, DecisionIn(approve=True)).state == "approved"
    finally:
        monkeypatch.delenv("CITYLOOP_EXPORT_APPROVERS")
        get_settings.cache_clear()
    with pytest.raises(InvalidTransition):
        approvals.decide(db, s["admin"], asked.id, DecisionIn(approve=False, note="重复"))


def test_bad_export_request_and_roles_without_personal_data(db, world: World) -> None:
    with pytest.raises(ValidationFailed) as bad:
        approvals.ask(db, world.subjects["dispatcher"], ExportRequestIn(export="everything", reason="要"))
    assert set(bad.value.fields) == {"export", "reason"}
    with pytest.raises(Forbidden):
        approvals.ask(db, world.subjects["supervisor"], ExportRequestIn(export="overdue", reason="核对来电人信息"))


def test_a_file_export_in_clear_needs_the_users_own_approved_request(db, world: World, tmp_path) -> None:
    """`cityloop cases export --unmasked`: refused without an approval (nothing written), clear once, then used up."""
    from typer.testing import CliRunner

    from cityloop.cli import app

    file_case(db, world.subjects["agent"], category_code=None)
    out = tmp_path / "hotline-review.csv"
    clear = ["cases", "export", str(out), "--user", "dispatcher", "--unmasked", "--lang", "en"]
    refused = CliRunner().invoke(app, clear)
    assert refused.exit_code == 2
    assert "/sharing/exports?export=case-file" in refused.output
    assert not out.exists()
    assert CliRunner().invoke(app, ["cases", "export", str(out), "--unmasked"]).exit_code == 2  # no user: no approval
    asked = approvals.ask(db, world.subjects["dispatcher"], ExportRequestIn(export="case-file",
                                                                            reason="核对重复来电的联系人"))
    approvals.decide(db, world.subjects["admin"], asked.id, DecisionIn(approve=True, single_use=True))
    done = CliRunner().invoke(app, clear)
    assert done.exit_code == 0, done.output
    assert PHONE in out.read_text(encoding="utf-8-sig")
    assert CliRunner().invoke(app, clear).exit_code == 2  # single use
    assert CliRunner().invoke(app, ["cases", "export", str(out), "--user", "dispatcher"]).exit_code == 0
    assert PHONE not in out.read_text(encoding="utf-8-sig")
    db.expire_all()
    exports = db.scalars(select(AuditEntry).where(AuditEntry.action == "export").order_by(AuditEntry.id)).all()
    assert [(e.actor_name, e.detail["personal_data_in_clear"], e.detail["approval"]) for e in exports] == \
        [(world.subjects["dispatcher"].name, True, asked.id), (world.subjects["dispatcher"].name, False, None)]
    assert exports[0].detail["file"] == "hotline-review.csv"
