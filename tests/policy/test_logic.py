"""JSON Logic: the plain interpreter follows the reference semantics; the vectorised one agrees with it on any rule."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cityloop.policy.logic import interpret, vector
from cityloop.policy.logic.validate import OPERATORS, RuleError, check

ATTRS = frozenset({"employees", "revenue", "high_tech", "industry", "registered_year"})


@pytest.mark.parametrize(("rule", "data", "expected"), [
    ({"==": [1, 1]}, {}, True), ({"==": [1, "1"]}, {}, True), ({"===": [1, "1"]}, {}, False),
    ({"!=": ["a", "b"]}, {}, True), ({">": [2, 1]}, {}, True), ({">=": [1, 1]}, {}, True),
    ({"<": [1, 2, 3]}, {}, True), ({"<": [1, 1, 3]}, {}, False), ({"<=": [1, 1, 3]}, {}, True),
    ({"!": [[]]}, {}, True), ({"!!": ["0"]}, {}, True), ({"!!": [0]}, {}, False),
    ({"and": [True, "a", 3]}, {}, 3), ({"and": [True, "", 3]}, {}, ""), ({"or": [False, 0, "a"]}, {}, "a"),
    ({"in": ["Spring", "Springfield"]}, {}, True), ({"in": ["b", ["a", "b"]]}, {}, True),
    ({"var": "a"}, {"a": 1}, 1), ({"var": ["z", 26]}, {}, 26),
    ({"if": [True, "yes", "no"]}, {}, "yes"), ({"if": [False, 1, False, 2, 3]}, {}, 3),
    ({"+": [1, "2"]}, {}, 3.0), ({"-": [4]}, {}, -4.0), ({"/": [4, 2]}, {}, 2.0), ({"%": [101, 2]}, {}, 1.0),
    ({"max": [1, 3, 2]}, {}, 3.0), ({"min": [1, 3, 2]}, {}, 1.0),
])
def test_the_interpreter_follows_the_reference_semantics(rule: Any, data: dict[str, Any], expected: Any) -> None:
    assert interpret.apply(rule, data) == expected


def test_unknown_attributes_and_operators_are_refused_with_their_path() -> None:
    with pytest.raises(RuleError) as caught:
        check({"and": [{">=": [{"var": "employees"}, 10]}, {"<": [{"var": "profit"}, 5]}]}, ATTRS, "criteria[0].rule")
    assert caught.value.path == "criteria[0].rule.and[1].<[0].var"
    with pytest.raises(RuleError) as caught:
        check({"and": [{"regex": ["a", "b"]}]}, ATTRS, "criteria[2].rule")
    assert caught.value.path == "criteria[2].rule.and[0].regex"


NUMERIC = ("employees", "revenue", "registered_year")
number = st.one_of(st.integers(-5, 300), st.sampled_from([0, 0.5, 2.5, 1e6]))
text = st.sampled_from(["制造业", "软件", "", "批发零售"])


def _leaf() -> st.SearchStrategy[Any]:
    num_var = st.sampled_from([{"var": a} for a in NUMERIC])
    compare = st.tuples(st.sampled_from(["==", "!=", ">", ">=", "<", "<=", "===", "!=="]), num_var, number)
    between = st.tuples(st.sampled_from(["<", "<="]), number, num_var, number)
    flag = st.sampled_from([{"var": "high_tech"}, {"==": [{"var": "high_tech"}, True]},
                            {"===": [{"var": "high_tech"}, False]}, {"!": {"var": "high_tech"}}])
    word = st.tuples(st.sampled_from(["==", "!=", "in"]), text).map(
        lambda t: {t[0]: [{"var": "industry"}, t[1]] if t[0] != "in" else [{"var": "industry"}, [t[1], "软件"]]})
    arithmetic = st.tuples(st.sampled_from(["+", "-", "*", "/", "%"]), num_var, number, number).map(
        lambda t: {">": [{t[0]: [t[1], t[2]]}, t[3]]})
    return st.one_of(compare.map(lambda t: {t[0]: [t[1], t[2]]}), between.map(lambda t: {t[0]: [t[1], t[2], t[3]]}),
                     flag, word, arithmetic)


rules = st.recursive(_leaf(), lambda inner: st.one_of(
    st.lists(inner, min_size=1, max_size=3).map(lambda xs: {"and": xs}),
    st.lists(inner, min_size=1, max_size=3).map(lambda xs: {"or": xs}),
    inner.map(lambda x: {"!": x})), max_leaves=6)
records = st.fixed_dictionaries({"employees": st.integers(0, 500), "revenue": st.floats(0, 1e7),
                                 "registered_year": st.integers(1990, 2025), "high_tech": st.booleans(),
                                 "industry": text})


@settings(max_examples=300, deadline=None)
@given(rule=rules, rows=st.lists(records, min_size=1, max_size=20))
def test_the_vectorised_evaluator_agrees_with_the_interpreter(rule: Any, rows: list[dict[str, Any]]) -> None:
    columns = {
        "employees": np.array([r["employees"] for r in rows], dtype=float),
        "revenue": np.array([r["revenue"] for r in rows], dtype=float),
        "registered_year": np.array([r["registered_year"] for r in rows], dtype=float),
        "high_tech": np.array([r["high_tech"] for r in rows], dtype=bool),
        "industry": np.array([r["industry"] for r in rows], dtype=object),
    }
    fast = vector.evaluate(rule, columns, len(rows))
    slow = [interpret.truthy(interpret.apply(rule, r)) for r in rows]
    assert fast.tolist() == slow


@pytest.mark.parametrize("rule", [{"!": []}, {"/": [1]}, {"min": []}, {"if": []}, {"and": []}, {"in": [1]},
                                  {"-": [1, 2, 3]}])
def test_rules_with_the_wrong_number_of_arguments_are_refused(rule: Any) -> None:
    with pytest.raises(RuleError) as caught:
        check({"or": [True, rule]}, ATTRS, "r")
    assert caught.value.path == f"r.or[1].{next(iter(rule))}"


def test_array_literals_only_as_the_set_of_in() -> None:
    check({"in": [{"var": "industry"}, ["软件", "制造业"]]}, ATTRS, "r")
    with pytest.raises(RuleError) as caught:
        check({"==": [{"var": "employees"}, [1]]}, ATTRS, "r")
    assert caught.value.path == "r.==[1]"


literal = st.one_of(st.none(), st.booleans(), st.integers(-3, 3), st.sampled_from(["", "a", "软件"]),
                    st.lists(st.integers(0, 3), max_size=2))
any_rule = st.recursive(
    st.one_of(literal, st.sampled_from([{"var": a} for a in sorted(ATTRS)])),
    lambda inner: st.builds(lambda op, args: {op: args}, st.sampled_from(sorted(OPERATORS - {"var"})),
                            st.one_of(inner, st.lists(inner, max_size=4))), max_leaves=8)


@settings(max_examples=400, deadline=None)
@given(rule=any_rule, rows=st.lists(records, min_size=1, max_size=4))
def test_every_rule_validation_accepts_can_be_evaluated(rule: Any, rows: list[dict[str, Any]]) -> None:
    try:
        check(rule, ATTRS, "r")
    except RuleError:
        return
    columns = {"employees": np.array([r["employees"] for r in rows], dtype=float),
               "revenue": np.array([r["revenue"] for r in rows], dtype=float),
               "registered_year": np.array([r["registered_year"] for r in rows], dtype=float),
               "high_tech": np.array([r["high_tech"] for r in rows], dtype=bool),
               "industry": np.array([r["industry"] for r in rows], dtype=object)}
    assert len(vector.evaluate(rule, columns, len(rows))) == len(rows)
    for r in rows:
        interpret.truthy(interpret.apply(rule, r))
