"""Backup and restore: the round trip keeps cases, events, ciphertext and the audit head; bad restores refuse."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import pytest
from sqlalchemy import func, select
from typer.testing import CliRunner

from builders import file_case
from cityloop.audit import service as audit
from cityloop.cases.models import Case, CaseEvent
from cityloop.cli import app
from cityloop.config import get_settings
from cityloop.kit.auth import SYSTEM

runner = CliRunner()


def _state(db) -> dict[str, object]:  # type: ignore[no-untyped-def]
    db.expire_all()
    return {"cases": db.scalar(select(func.count()).select_from(Case)),
            "events": db.scalar(select(func.count()).select_from(CaseEvent)),
            "phones": sorted(db.scalars(select(Case.reporter_phone))),
            "head": audit.head(db)}


@pytest.fixture
def filled(db, world):  # type: ignore[no-untyped-def]
    """Three cases with their events, audited reads and one uploaded photo."""
    cases = [file_case(db, world.subjects["agent"], title=f"第{i}件") for i in range(3)]
    for case in cases:
        audit.record(db, world.subjects["dispatcher"], "read_pii", "case", [case.id], areas=[case.division_code])
    db.commit()
    uploads = get_settings().var_dir / "uploads"
    uploads.mkdir(parents=True, exist_ok=True)
    (uploads / "photo.jpg").write_bytes(b"\xff\xd8photo")
    return world


def _restore(db, *args: str):  # type: ignore[no-untyped-def]
    db.rollback()  # a restore takes every table: no reader may hold a transaction open (as with a stopped app)
    return runner.invoke(app, ["restore", *args])


def _backup(tmp_path: Path) -> Path:
    out = tmp_path / "backup"
    done = runner.invoke(app, ["backup", "--out", str(out)])
    assert done.exit_code == 0, done.output
    return out


def test_round_trip_keeps_cases_events_and_the_audit_head(db, filled, tmp_path: Path) -> None:
    before = _state(db)
    out = _backup(tmp_path)
    (get_settings().var_dir / "uploads" / "photo.jpg").unlink()
    done = _restore(db, str(out), "--replace")
    assert done.exit_code == 0, done.output
    assert _state(db) == before
    assert audit.verify(db, SYSTEM).ok
    assert (get_settings().var_dir / "uploads" / "photo.jpg").read_bytes() == b"\xff\xd8photo"
    head = json.loads(runner.invoke(app, ["audit", "head"]).output)
    assert head["hash"] == before["head"].hash  # type: ignore[attr-defined]
    assert runner.invoke(app, ["audit", "verify"]).exit_code == 0


def test_ids_continue_after_a_restore(db, filled, tmp_path: Path) -> None:
    out = _backup(tmp_path)
    highest = db.scalar(select(func.max(Case.id)))
    assert _restore(db, str(out), "--replace").exit_code == 0
    db.expire_all()
    assert file_case(db, filled.subjects["agent"]).id > highest


def test_backup_keeps_personal_data_encrypted(db, filled, tmp_path: Path) -> None:
    out = _backup(tmp_path)
    with gzip.open(out / "tables" / "cases.jsonl.gz", "rt", encoding="utf-8") as rows:
        text = rows.read()
    assert text.count("\n") == 3
    assert "13812345678" not in text
    assert "张三" not in text


def test_restore_into_a_database_with_data_refuses_without_replace(db, filled, tmp_path: Path) -> None:
    out = _backup(tmp_path)
    file_case(db, filled.subjects["agent"], title="备份之后")
    done = _restore(db, str(out))
    assert done.exit_code == 1
    assert "--replace" in done.output
    assert db.scalar(select(func.count()).select_from(Case)) == 4  # nothing was touched


def test_a_damaged_backup_is_refused_before_anything_changes(db, filled, tmp_path: Path) -> None:
    out = _backup(tmp_path)
    events = out / "tables" / "case_events.jsonl.gz"
    events.write_bytes(events.read_bytes()[:-5])
    done = _restore(db, str(out), "--replace")
    assert done.exit_code == 1
    assert "case_events" in done.output
    assert db.scalar(select(func.count()).select_from(Case)) == 3


def test_backup_refuses_a_directory_that_holds_files(db, filled, tmp_path: Path) -> None:
    (tmp_path / "used").mkdir()
    (tmp_path / "used" / "x").write_text("x")
    assert runner.invoke(app, ["backup", "--out", str(tmp_path / "used")]).exit_code == 1


def test_audit_head_of_a_day_ignores_later_entries(db, filled) -> None:
    from datetime import date, timedelta

    yesterday = (date.today() - timedelta(days=2)).isoformat()
    shown = json.loads(runner.invoke(app, ["audit", "head", "--day", yesterday]).output)
    assert shown["entries"] == 0
    assert shown["hash"] == audit.GENESIS
    assert runner.invoke(app, ["audit", "head", "--day", "yesterday"]).exit_code == 2
