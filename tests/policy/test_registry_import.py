"""Registry imports: persons encrypted and validated by line, re-imports incremental, chunks resumable."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from policy_data import ENTERPRISE_HEADER, PERSON_HEADER, credit_code, enterprise_line, id_number, person_line
from sqlalchemy import func, select, text
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from cityloop.cli import app
from cityloop.kit.auth import SYSTEM
from cityloop.kit.errors import ValidationFailed
from cityloop.policy.registry import importer
from cityloop.policy.registry import service as enterprises
from cityloop.policy.registry.models import Enterprise, ImportRun, Person
from cityloop.policy.registry.persons import service as persons

runner = CliRunner()
OLD = id_number(date(1940, 3, 1), 11)
YOUNG = id_number(date(1990, 7, 9), 22)


def test_persons_import_stores_id_numbers_encrypted_and_derives_birth_and_sex(engine, db: Session,
                                                                              tmp_path: Path) -> None:
    path = tmp_path / "p.csv"
    path.write_text(PERSON_HEADER + person_line(OLD, "王秀英", disability=2, alone=True, extra={"household": 1})
                    + person_line(YOUNG, "李强", employment="unemployed"), encoding="utf-8")
    done = runner.invoke(app, ["registry", "import", "persons", str(path)])
    assert done.exit_code == 0, done.output
    assert json.loads(done.output)["created"] == 2
    raw = db.execute(text("SELECT id_number, name FROM policy_persons")).all()
    assert all(OLD not in r[0] and YOUNG not in r[0] and "王秀英" not in r[1] for r in raw)
    old = persons.find(db, OLD)
    assert old is not None
    assert (old.birth_date, old.sex, old.disability_level, old.elderly_alone, old.extra) == \
        (date(1940, 3, 1), "m", 2, True, {"household": 1})
    assert persons.display_name(old, SYSTEM) == "王秀英"


def test_bad_person_rows_are_reported_by_line_and_nothing_is_written(engine, db: Session, tmp_path: Path) -> None:
    broken = OLD[:-1] + ("0" if OLD[-1] != "0" else "1")
    path = tmp_path / "p.csv"
    path.write_text(PERSON_HEADER + person_line(YOUNG) + person_line(broken)
                    + "330106199007090220,,33x,7,maybe,false,false,boss,[1]\n" + person_line(YOUNG, "重复"),
                    encoding="utf-8")
    done = runner.invoke(app, ["registry", "import", "persons", str(path)])
    assert done.exit_code == 1
    rows = json.loads(done.stderr or done.output)["details"]["rows"]
    assert {r["line"]: sorted(e["field"] for e in r["errors"]) for r in rows} == {
        3: ["id_number"], 4: ["disability_level", "division_code", "employment", "extra", "id_number",
                              "low_income", "name"], 5: ["id_number"]}
    assert db.scalar(select(func.count()).select_from(Person)) == 0
    kept = runner.invoke(app, ["registry", "import", "persons", "--keep-good", str(path)])
    assert json.loads(kept.output)["created"] == 1


def test_a_reimport_reports_created_updated_and_unchanged(engine, db: Session) -> None:
    first = PERSON_HEADER + person_line(OLD) + person_line(YOUNG)
    persons.import_persons(db, SYSTEM, first.encode(), "p.csv")
    newborn = id_number(date(2000, 1, 1), 5)
    again = PERSON_HEADER + person_line(OLD) + person_line(YOUNG, "李强强") + person_line(newborn)
    report = persons.import_persons(db, SYSTEM, again.encode(), "p.csv")
    assert (report.created, report.updated, report.unchanged) == (1, 1, 1)
    found = persons.find(db, YOUNG)
    assert found is not None
    assert persons.display_name(found, SYSTEM) == "李强强"


def test_enterprise_reimport_is_incremental_too(engine, db: Session) -> None:
    codes = [credit_code(i) for i in range(3)]
    enterprises.import_enterprises(db, SYSTEM, (ENTERPRISE_HEADER + "".join(map(enterprise_line, codes))).encode(),
                                   "e.csv")
    changed = ENTERPRISE_HEADER + enterprise_line(codes[0], employees=99) + "".join(map(enterprise_line, codes[1:]))
    report = enterprises.import_enterprises(db, SYSTEM, changed.encode(), "e.csv")
    assert (report.created, report.updated, report.unchanged) == (0, 1, 2)


def test_a_crashed_import_resumes_after_its_last_committed_chunk(engine, db: Session,
                                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    people = [id_number(date(1950 + i, 1, 1), i) for i in range(7)]
    data = (PERSON_HEADER + "".join(person_line(p) for p in people)).encode()
    real_write, calls = persons.KIND.write, []

    def crash_on_third(session: Session, rows: list[dict[str, object]]) -> importer.Chunk:
        calls.append(len(rows))
        if len(calls) == 3:
            raise RuntimeError("power cut")
        return real_write(session, rows)

    monkeypatch.setattr(persons, "KIND", importer.Kind("person", persons.KIND.columns, persons.KIND.parse,
                                                       "id_number", crash_on_third))
    with pytest.raises(RuntimeError):
        persons.import_persons(db, SYSTEM, data, "p.csv", chunk_size=2)
    db.rollback()
    assert db.scalar(select(func.count()).select_from(Person)) == 4  # two whole chunks, nothing of the third
    monkeypatch.undo()
    calls.clear()
    report = persons.import_persons(db, SYSTEM, data, "p.csv", resume=True, chunk_size=50)
    assert (report.resumed_after, report.chunks, report.created) == (2, 4, 7)
    assert db.scalar(select(func.count()).select_from(Person)) == 7
    assert db.scalar(select(ImportRun.state).where(ImportRun.id == report.run_id)) == "done"


def test_resume_without_an_unfinished_run_imports_from_the_start(engine, db: Session) -> None:
    data = (PERSON_HEADER + person_line(OLD)).encode()
    report = persons.import_persons(db, SYSTEM, data, "p.csv", resume=True)
    assert (report.resumed_after, report.created) == (0, 1)


def test_only_admins_import(engine, db: Session) -> None:
    from cityloop.kit.auth import Role, Subject
    from cityloop.kit.errors import Forbidden

    handler = Subject(id=1, name="h", roles=frozenset({Role.HANDLER}), scope="330106")
    with pytest.raises(Forbidden):
        persons.import_persons(db, handler, (PERSON_HEADER + person_line(OLD)).encode(), "p.csv")
    with pytest.raises(ValidationFailed):
        persons.import_persons(db, SYSTEM, b"id_number,name\n1,2\n", "p.csv")
    assert db.scalar(select(func.count()).select_from(Enterprise)) == 0


CORRUPTIONS = {"id_number": lambda v: v[:-1] + ("0" if v[-1] != "0" else "1"), "name": lambda v: "",
               "division_code": lambda v: "33x", "disability_level": lambda v: "5", "low_income": lambda v: "yes",
               "employment": lambda v: "boss", "extra": lambda v: "[1]"}


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(broken=st.dictionaries(st.integers(0, 9), st.sampled_from(sorted(CORRUPTIONS)), min_size=1, max_size=4))
def test_every_bad_line_is_reported_and_nothing_is_written(engine, db: Session, broken: dict[int, str]) -> None:
    lines = []
    for i in range(10):
        cells = {"id_number": id_number(date(1950, 1, 1), i), "name": "某人", "division_code": "330106",
                 "disability_level": "0", "low_income": "false", "veteran": "false", "elderly_alone": "false",
                 "employment": "employed", "extra": ""}
        if i in broken:
            cells[broken[i]] = CORRUPTIONS[broken[i]](cells[broken[i]])
        lines.append(",".join(cells.values()) + "\n")
    with pytest.raises(ValidationFailed) as refused:
        persons.import_persons(db, SYSTEM, (PERSON_HEADER + "".join(lines)).encode(), "p.csv")
    reported = {r["line"]: [e["field"] for e in r["errors"]] for r in refused.value.details["rows"]}
    assert reported == {i + 2: [field] for i, field in broken.items()}
    assert db.scalar(select(func.count()).select_from(Person)) == 0
