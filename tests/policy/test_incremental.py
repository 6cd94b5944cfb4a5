"""Incremental matching (a changed row, a new or changed policy) ends where a fresh full match ends, and the
standings announced to listeners add up to what is stored."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import UTC, date, datetime
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from policy_data import ENTERPRISE_HEADER, PERSON_HEADER, credit_code, enterprise_line, id_number, person_line
from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from cityloop.kit import clock
from cityloop.kit.auth import SYSTEM
from cityloop.policy.matching import hooks
from cityloop.policy.matching import service as matching
from cityloop.policy.matching.hooks import Change
from cityloop.policy.matching.models import PolicyMatch
from cityloop.policy.policies.models import Policy
from cityloop.policy.registry import service as enterprises
from cityloop.policy.registry.models import Enterprise, Person
from cityloop.policy.registry.persons import service as persons

FIRM_RULES = [("员工≥20", {">=": [{"var": "employees"}, 20]}), ("高新", {"==": [{"var": "high_tech"}, True]}),
              ("营收≥500", {">=": [{"var": "revenue"}, 500]}), ("纳税 A", {"in": [{"var": "tax_credit"}, ["A"]]}),
              ("西湖区", {"==": [{"var": "division_code"}, "330106"]})]
PERSON_RULES = [("60 岁以上", {">=": [{"var": "age"}, 60]}), ("残疾", {">=": [{"var": "disability_level"}, 1]}),
                ("低保", {"var": "low_income"}), ("失业", {"==": [{"var": "employment"}, "unemployed"]}),
                ("西湖区", {"==": [{"var": "division_code"}, "330106"]})]

firm = st.fixed_dictionaries({"employees": st.integers(0, 40), "high_tech": st.booleans(),
                              "revenue": st.sampled_from([10.0, 499.0, 500.0, 900.0]),
                              "tax": st.sampled_from(["A", "B"]), "division": st.sampled_from(["330106", "330105"])})
person = st.fixed_dictionaries({"born": st.dates(date(1930, 1, 1), date(2005, 1, 1)), "disability": st.integers(0, 2),
                                "low_income": st.booleans(), "employment": st.sampled_from(["employed", "unemployed"]),
                                "division": st.sampled_from(["330106", "330105"])})
policy = st.tuples(st.sampled_from(["enterprise", "person"]), st.lists(st.integers(0, 4), min_size=1, max_size=3,
                                                                         unique=True), st.booleans())
change = st.one_of(st.tuples(st.just("firm"), st.integers(0, 20), firm),
                   st.tuples(st.just("person"), st.integers(0, 20), person),
                   st.tuples(st.just("policy"), st.integers(0, 20), policy))


def _firm_csv(rows: dict[int, dict[str, Any]], ns: int) -> bytes:
    return (ENTERPRISE_HEADER + "".join(
        enterprise_line(credit_code(ns + i), r["employees"], r["division"], r["high_tech"],
                        r["revenue"], r["tax"]) for i, r in rows.items())).encode()


def _person_csv(rows: dict[int, dict[str, Any]], ns: int) -> bytes:
    return (PERSON_HEADER + "".join(
        person_line(id_number(r["born"], (ns + i) % 1000), "某人", r["division"], r["disability"],
                    r["low_income"], employment=r["employment"]) for i, r in rows.items())).encode()


def _policy(pid: str, spec: tuple[str, list[int], bool]) -> dict[str, Any]:
    kind, picks, expired = spec
    pool = FIRM_RULES if kind == "enterprise" else PERSON_RULES
    window = {"valid_to": "2020-12-31"} if expired else {}
    return {"id": pid, "title": pid, "object": kind, "no_application": False, **window,
            "criteria": [{"label": pool[i][0], "rule": pool[i][1]} for i in picks]}


def _stored(session: Session) -> dict[tuple[str, str], tuple[Any, ...]]:
    rows = session.execute(select(PolicyMatch.subject_id, PolicyMatch.policy_id, PolicyMatch.status,
                                  PolicyMatch.failed, PolicyMatch.values, PolicyMatch.policy_version))
    return {(r[0], r[1]): tuple(r[2:]) for r in rows}


def _reset(session: Session) -> None:
    for model in (PolicyMatch, Enterprise, Person):
        session.execute(delete(model))
    session.execute(update(Policy).values(is_active=False))
    session.commit()


@pytest.fixture
def announced(monkeypatch: pytest.MonkeyPatch) -> dict[tuple[str, str], str]:
    """Standings as the listeners were told them."""
    told: dict[tuple[str, str], str] = {}

    def record(_session: Session, changes: Sequence[Change]) -> None:
        for c in changes:
            if c.after is None:
                told.pop((c.subject_id, c.policy_id), None)
            else:
                told[(c.subject_id, c.policy_id)] = c.after

    monkeypatch.setattr(hooks, "LISTENERS", [*hooks.LISTENERS, record])
    return told


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(firms=st.lists(firm, min_size=1, max_size=6), people=st.lists(person, min_size=1, max_size=6),
       policies=st.lists(policy, min_size=1, max_size=3), changes=st.lists(change, max_size=6))
def test_incremental_matching_equals_a_fresh_full_match(engine, db: Session, announced: dict[tuple[str, str], str],
                                                       firms: list[dict[str, Any]], people: list[dict[str, Any]],
                                                       policies: list[tuple[str, list[int], bool]],
                                                       changes: list[tuple[str, int, Any]]) -> None:
    clock.freeze(datetime(2026, 6, 1, 4, tzinfo=UTC))
    _reset(db)
    announced.clear()
    ns, tag = int(uuid.uuid4().int % 10**6) * 50, uuid.uuid4().hex[:6]
    firm_rows, person_rows = dict(enumerate(firms)), dict(enumerate(people))
    pol = {i: _policy(f"{tag}-{i}", p) for i, p in enumerate(policies)}
    enterprises.import_enterprises(db, SYSTEM, _firm_csv(firm_rows, ns), "e.csv")
    persons.import_persons(db, SYSTEM, _person_csv(person_rows, ns), "p.csv")
    from policy_data import import_policies

    import_policies(db, list(pol.values()))
    for what, index, value in changes:
        if what == "firm":
            enterprises.import_enterprises(db, SYSTEM, _firm_csv({index: value}, ns), "e.csv")
        elif what == "person":  # a known person keeps the birth date of their ID number
            value = {**value, "born": person_rows.get(index, value)["born"]}
            person_rows[index] = value
            persons.import_persons(db, SYSTEM, _person_csv({index: value}, ns), "p.csv")
        else:
            import_policies(db, [_policy(f"{tag}-{index}", value)])
    incremental = _stored(db)
    assert {k: v[0] for k, v in incremental.items()} == announced
    db.execute(delete(PolicyMatch))
    db.commit()
    matching.match(db, SYSTEM)
    assert _stored(db) == incremental
