"""The secret key: generated when unset, published key refused, checked against the database, rotated."""

from __future__ import annotations

import os
import stat
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from builders import STREET, World, file_case
from cityloop.areas.elements.models import Person
from cityloop.cases.idempotency.models import IdempotencyKey
from cityloop.cases.intake import intake
from cityloop.cases.models import Case
from cityloop.channels.notify.models import OutboxMessage
from cityloop.config import PUBLISHED_SECRET_KEY, Settings, get_settings
from cityloop.kit.crypto import blind_index, check_value, decrypt, encrypt
from cityloop.kit.keys.check import CHECK, ROTATION, KeyRefused, check_database, check_settings, startup_check
from cityloop.kit.keys.models import SystemValue
from cityloop.kit.keys.rotate import rotate

OLD, NEW = "cityloop-test-secret-key", "a-brand-new-key-for-the-rotation-test"
ID_1 = "110101199003071233"


@pytest.fixture
def use_key(monkeypatch: pytest.MonkeyPatch) -> Iterator[Callable[[str], None]]:
    """`use_key(k)`: the configured secret key becomes k (as after editing the environment and restarting)."""
    def use(key: str) -> None:
        monkeypatch.setenv("CITYLOOP_SECRET_KEY", key)
        get_settings.cache_clear()

    yield use
    get_settings.cache_clear()


# B1: where the key comes from


def test_an_unset_key_is_generated_once_into_var_readable_by_the_owner_only(tmp_path: Path) -> None:
    first = Settings(_env_file=None, secret_key="", var_dir=tmp_path)
    again = Settings(_env_file=None, secret_key="", var_dir=tmp_path)
    path = tmp_path / "secret.key"
    assert len(first.secret_key) >= 40
    assert first.secret_key != PUBLISHED_SECRET_KEY
    assert again.secret_key == first.secret_key == path.read_text().strip()
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert Settings(_env_file=None, secret_key="", var_dir=tmp_path / "other").secret_key != first.secret_key


@pytest.mark.parametrize(("env", "url"), [("production", ""), ("development", "postgresql+psycopg://u@h/db")])
def test_the_published_key_is_refused_in_production_and_with_postgresql(tmp_path: Path, env: str, url: str) -> None:
    settings = Settings(_env_file=None, secret_key=PUBLISHED_SECRET_KEY, env=env, database_url=url, var_dir=tmp_path)
    with pytest.raises(KeyRefused) as refused:
        check_settings(settings)
    assert "公开" in refused.value.zh
    assert "published" in refused.value.en


@pytest.mark.skipif(bool(os.environ.get("CITYLOOP_TEST_PG_URL")), reason="PostgreSQL refuses the published key")
def test_the_published_key_still_runs_a_local_sqlite_trial(tmp_path: Path) -> None:
    check_settings(Settings(_env_file=None, secret_key=PUBLISHED_SECRET_KEY, var_dir=tmp_path))


def test_production_needs_an_explicit_key(tmp_path: Path) -> None:
    settings = Settings(_env_file=None, secret_key="", env="production", var_dir=tmp_path)
    assert not (tmp_path / "secret.key").exists()
    with pytest.raises(KeyRefused):
        check_settings(settings)


# A8: the key check value


def test_a_fresh_database_records_the_key_then_refuses_another(db: Session, use_key) -> None:  # type: ignore[no-untyped-def]
    startup_check()
    stored = db.get(SystemValue, CHECK)
    assert stored is not None
    assert stored.value == check_value(OLD)
    use_key(NEW)
    with pytest.raises(KeyRefused) as refused:
        startup_check()
    assert "CITYLOOP_SECRET_KEY" in refused.value.zh
    assert "encrypted personal data" in refused.value.en


def test_the_app_and_cityloop_serve_refuse_to_start_with_another_key(engine, use_key) -> None:  # type: ignore[no-untyped-def]
    from cityloop.app import create_app
    from cityloop.cli import app as cli

    startup_check()
    use_key(NEW)
    with pytest.raises(KeyRefused), TestClient(create_app()):
        pass
    result = CliRunner().invoke(cli, ["serve"])
    assert result.exit_code == 1
    assert "cityloop keys rotate" in result.output


def test_a_database_from_before_the_check_is_judged_by_its_data(world: World, db: Session) -> None:
    file_case(db, world.subjects["agent"])  # encrypted under OLD, and no check value yet
    with pytest.raises(KeyRefused):
        check_database(db, NEW)
    assert db.get(SystemValue, CHECK) is None
    check_database(db, OLD)
    assert db.get(SystemValue, CHECK) is not None


# A8: rotation


def _person(db: Session, number: int, id_number: str) -> None:
    db.add(Person(code=f"P{number:030d}", division_code=STREET, name=encrypt(f"居民{number}"),
                  phone=encrypt(f"1380000{number:04d}"), id_number=encrypt(id_number),
                  id_number_index=blind_index(id_number)))
    db.commit()


@pytest.fixture
def filled(world: World, db: Session) -> World:
    """Five cases (one under an Idempotency-Key, one without a reporter), their four SMS and two residents, all
    under OLD."""
    from cityloop.app import register_hooks

    register_hooks()  # the outbox hook, so the SMS are queued whatever ran before in this process
    check_database(db)
    for n in range(3):
        file_case(db, world.subjects["agent"], reporter={"name": f"市民{n}", "phone": f"1391111{n:04d}",
                                                         "id_number": ID_1})
    file_case(db, world.subjects["agent"], reporter={})
    intake(db, world.subjects["agent"], _case_in_with_phone("13922223333"), "key-1")
    _person(db, 1, ID_1)
    _person(db, 2, "330106195501011238")
    return world


def _case_in_with_phone(phone: str):  # type: ignore[no-untyped-def]
    from builders import case_in

    return case_in(reporter={"name": "李四", "phone": phone})


def _readable_state(db: Session, key: str) -> list[tuple[object, ...]]:
    """Everything key-dependent, decrypted with `key`: what a rotation must preserve."""
    db.expire_all()
    cases = [(decrypt(c.reporter_name, key), decrypt(c.reporter_phone, key), decrypt(c.reporter_id_number, key),
              c.reporter_phone_index == blind_index(decrypt(c.reporter_phone, key), key))
             for c in db.scalars(select(Case).order_by(Case.id))]
    people = [(decrypt(p.name, key), decrypt(p.phone, key), decrypt(p.id_number, key),
               p.id_number_index == blind_index(decrypt(p.id_number, key), key))
              for p in db.scalars(select(Person).order_by(Person.id))]
    outbox = [(decrypt(m.recipient, key), m.recipient_index == blind_index(decrypt(m.recipient, key), key))
              for m in db.scalars(select(OutboxMessage).order_by(OutboxMessage.id))]
    return [*cases, *people, *outbox]


def test_rotation_re_encrypts_everything_and_moves_the_check(filled: World, db: Session, use_key) -> None:  # type: ignore[no-untyped-def]
    before = _readable_state(db, OLD)
    report = rotate(db, OLD, NEW, batch=2)
    assert report.rows == {"cases": 5, "idempotency_keys": 1, "notify_outbox": 4, "people": 2}
    assert report.unreadable == 0
    assert _readable_state(db, NEW) == before
    assert {row[0] for row in _readable_state(db, OLD)} == {None}  # the old key reads nothing
    assert db.get(SystemValue, ROTATION) is None
    use_key(NEW)
    startup_check()
    use_key(OLD)
    with pytest.raises(KeyRefused):
        startup_check()


def test_after_rotation_phone_search_and_replays_work_under_the_new_key(filled: World, db: Session,  # type: ignore[no-untyped-def]
                                                                         use_key) -> None:
    first = db.scalar(select(IdempotencyKey))
    assert first is not None
    rotate(db, OLD, NEW)
    use_key(NEW)
    again, created = intake(db, filled.subjects["agent"], _case_in_with_phone("13922223333"), "key-1")
    assert not created
    assert again.id == first.case_id
    found = db.scalars(select(Case).where(Case.reporter_phone_index == blind_index("13922223333")))
    assert [c.id for c in found] == [first.case_id]


def test_an_interrupted_rotation_refuses_start_and_resumes_to_the_same_result(filled: World, db: Session,  # type: ignore[no-untyped-def]
                                                                            use_key) -> None:
    before = _readable_state(db, OLD)
    batches: list[str] = []

    def crash_after_three(table: str, _rows: int) -> None:
        batches.append(table)
        if len(batches) == 3:
            raise KeyboardInterrupt  # the operator's Ctrl-C, or a crash

    with pytest.raises(KeyboardInterrupt):
        rotate(db, OLD, NEW, batch=2, on_batch=crash_after_three)
    db.rollback()
    for key in (OLD, NEW):
        use_key(key)
        with pytest.raises(KeyRefused) as refused:
            startup_check()
        assert "unfinished" in refused.value.en
    with pytest.raises(KeyRefused):
        rotate(db, OLD, "yet-another-key")
    resumed = rotate(db, OLD, NEW, batch=2)
    # The three batches of cases were done.
    assert resumed.rows == {"idempotency_keys": 1, "notify_outbox": 4, "people": 2}
    assert _readable_state(db, NEW) == before
    startup_check()  # NEW is configured


def test_rotation_from_a_wrong_old_key_is_refused_and_changes_nothing(filled: World, db: Session) -> None:
    before = _readable_state(db, OLD)
    with pytest.raises(KeyRefused):
        rotate(db, "not-the-key", NEW)
    assert _readable_state(db, OLD) == before
    assert db.get(SystemValue, ROTATION) is None


def test_the_rotate_command_reads_the_keys_from_the_environment(filled: World, db: Session, use_key) -> None:  # type: ignore[no-untyped-def]
    from cityloop.cli import app as cli

    before = _readable_state(db, OLD)
    env = {**os.environ, "CITYLOOP_OLD_SECRET_KEY": OLD, "CITYLOOP_NEW_SECRET_KEY": NEW}
    result = CliRunner().invoke(cli, ["keys", "rotate", "--batch", "3"], env=env)
    assert result.exit_code == 0, result.output
    assert '"unreadable": 0' in result.output
    assert _readable_state(db, NEW) == before
    use_key(NEW)
    assert CliRunner().invoke(cli, ["keys", "check"]).exit_code == 0


def test_a_database_under_the_old_published_key_is_told_how_to_move(world: World, db: Session, use_key) -> None:  # type: ignore[no-untyped-def]
    use_key(PUBLISHED_SECRET_KEY)
    file_case(db, world.subjects["agent"])
    with pytest.raises(KeyRefused) as refused:
        check_database(db, NEW)
    assert f"CITYLOOP_OLD_SECRET_KEY={PUBLISHED_SECRET_KEY} cityloop keys rotate" in refused.value.en
    rotate(db, PUBLISHED_SECRET_KEY, NEW)
    check_database(db, NEW)
