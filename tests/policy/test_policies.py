"""Policies: versions on change, the validity window, person criteria checked with their path, benefit formulas."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from policy_data import PERSON_HEADER, id_number, import_policies, person_line, person_policy
from sqlalchemy import select
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from cityloop.cli import app
from cityloop.kit import clock
from cityloop.kit.auth import SYSTEM
from cityloop.kit.errors import ValidationFailed
from cityloop.policy.matching.models import PolicyMatch
from cityloop.policy.policies.models import Policy, PolicyVersion
from cityloop.policy.registry.persons import service as persons

runner = CliRunner()


@pytest.fixture
def elders(engine, db: Session) -> list[str]:
    """Two people of 80+ and one of 36, all in 330106 (clock frozen in June 2026)."""
    clock.freeze(datetime(2026, 6, 1, 4, tzinfo=UTC))
    ids = [id_number(date(1940, 1, 1), 1), id_number(date(1930, 5, 5), 2), id_number(date(1990, 1, 1), 3)]
    persons.import_persons(db, SYSTEM, (PERSON_HEADER + "".join(person_line(i) for i in ids)).encode(), "p.csv")
    return ids


def _eligible(session: Session, pid: str) -> list[tuple[str, int]]:
    stmt = select(PolicyMatch.subject_id, PolicyMatch.policy_version).where(
        PolicyMatch.policy_id == pid, PolicyMatch.status == "eligible").order_by(PolicyMatch.subject_id)
    return [(s, v) for s, v in session.execute(stmt)]


def test_a_changed_policy_gets_a_new_version_and_is_rematched(elders: list[str], db: Session) -> None:
    first = import_policies(db, [person_policy(min_age=80)])
    assert first.created == ["P-AGE"]
    assert len(_eligible(db, "P-AGE")) == 2
    same = import_policies(db, [person_policy(min_age=80)])
    assert same.unchanged == ["P-AGE"]
    changed = import_policies(db, [person_policy(min_age=90)])
    assert changed.updated == ["P-AGE"]
    assert [v for _s, v in _eligible(db, "P-AGE")] == [2]
    versions = db.scalars(select(PolicyVersion).where(PolicyVersion.policy_id == "P-AGE")
                          .order_by(PolicyVersion.version)).all()
    assert [(v.version, v.content["criteria"][0]["rule"][">="][1]) for v in versions] == [(1, 80), (2, 90)]


def test_outside_its_validity_window_a_policy_matches_nobody(elders: list[str], db: Session) -> None:
    import_policies(db, [person_policy(valid_from="2026-07-01")])
    assert _eligible(db, "P-AGE") == []
    import_policies(db, [person_policy(valid_from="2026-01-01", valid_to="2026-12-31")])
    assert len(_eligible(db, "P-AGE")) == 2
    import_policies(db, [person_policy(valid_to="2026-05-31")])
    assert _eligible(db, "P-AGE") == []


@pytest.mark.parametrize(("policy", "path"), [
    (person_policy(criteria=[{"label": "x", "rule": {">": [{"var": "employees"}, 1]}}]),
     "[0].criteria[0].rule.>[0].var"),
    (person_policy(criteria=[{"label": "x", "rule": {"and": [{"var": "veteran"}, {"regex": ["a"]}]}}]),
     "[0].criteria[0].rule.and[1].regex"),
    (person_policy(benefit={"formula": {"*": [{"var": "id_number"}, 2]}}), "[0].benefit.formula.*[0].var"),
    (person_policy(benefit={"amount": -5}), "[0].benefit.amount"),
    (person_policy(valid_from="2026-13-01"), "[0].valid_from"),
    ({**person_policy(), "object": "household"}, "[0].object"),
])
def test_bad_policies_are_refused_with_the_path_of_the_bad_node(engine, db: Session, policy: dict[str, object],
                                                                path: str) -> None:
    with pytest.raises(ValidationFailed) as refused:
        import_policies(db, [policy])
    assert list(refused.value.fields) == [path]
    assert db.scalar(select(Policy.id)) is None


def test_extra_attributes_may_be_named_and_person_rows_come_out_of_match_with_opaque_ids(engine, db: Session,
                                                                                        tmp_path: Path) -> None:
    clock.freeze(datetime(2026, 6, 1, 4, tzinfo=UTC))
    idn = id_number(date(1950, 1, 1), 7)
    persons.import_persons(db, SYSTEM, (PERSON_HEADER + person_line(idn, extra={"children": 0})).encode(), "p.csv")
    import_policies(db, [person_policy(pid="P-NOKIDS", min_age=70, criteria=[
        {"label": "无子女", "rule": {"==": [{"var": "extra.children"}, 0]}}])])
    out = tmp_path / "m.csv"
    done = runner.invoke(app, ["policy", "match", "--out", str(out)])
    assert done.exit_code == 0, done.output
    lines = out.read_text(encoding="utf-8").splitlines()
    person = persons.find(db, idn)
    assert person is not None
    assert lines == ["subject_id,policy_id,eligible,failed", f"P{person.id},P-NOKIDS,true,"]
    assert idn not in out.read_text(encoding="utf-8")
    assert json.loads(done.output)["eligible"] == 1


def test_a_policy_whose_window_opens_is_rematched_by_the_daily_run(elders: list[str], db: Session) -> None:
    from cityloop.policy.matching.tasks import rematch_for_day

    import_policies(db, [person_policy(valid_from="2026-06-02"),
                         person_policy(pid="P-EMP", criteria=[{"label": "在职", "rule": {"==": [
                             {"var": "employment"}, "employed"]}}])])
    assert _eligible(db, "P-AGE") == []
    assert rematch_for_day(db, date(2026, 6, 1), date(2026, 6, 1)) == []
    clock.freeze(datetime(2026, 6, 2, 4, tzinfo=UTC))
    assert rematch_for_day(db, date(2026, 6, 1), date(2026, 6, 2)) == ["P-AGE"]
    assert len(_eligible(db, "P-AGE")) == 2


def test_people_who_turn_80_are_found_by_the_daily_run(engine, db: Session) -> None:
    from cityloop.policy.matching.tasks import rematch_for_day

    clock.freeze(datetime(2026, 6, 1, 4, tzinfo=UTC))
    idn = id_number(date(1946, 6, 2), 5)
    persons.import_persons(db, SYSTEM, (PERSON_HEADER + person_line(idn)).encode(), "p.csv")
    import_policies(db, [person_policy()])
    assert _eligible(db, "P-AGE") == []
    clock.freeze(datetime(2026, 6, 2, 4, tzinfo=UTC))
    assert rematch_for_day(db, date(2026, 6, 1), date(2026, 6, 2)) == ["P-AGE"]
    assert len(_eligible(db, "P-AGE")) == 1
