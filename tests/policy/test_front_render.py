"""The JSON Logic → zh/en renderer, operator by operator."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from cityloop.policy.explain.render import explain, render

EMP = {"var": "employees"}
CASES = [
    ({">=": [EMP, 10]}, "员工人数 ≥ 10", "employees ≥ 10"),
    ({">": [EMP, 10]}, "员工人数 > 10", "employees > 10"),
    ({"<": [EMP, 10]}, "员工人数 < 10", "employees < 10"),
    ({"<=": [EMP, 10]}, "员工人数 ≤ 10", "employees ≤ 10"),
    ({"<=": [10, EMP, 50]}, "10 ≤ 员工人数 ≤ 50", "10 ≤ employees ≤ 50"),
    ({"==": [{"var": "scale"}, "small"]}, "企业规模 = 小型", "scale = small"),
    ({"===": [{"var": "high_tech"}, True]}, "高新技术企业 = 是", "high-tech enterprise = yes"),
    ({"!=": [{"var": "tax_credit"}, "D"]}, "纳税信用等级 ≠ D", "tax credit grade ≠ D"),
    ({"!==": [{"var": "tax_credit"}, "C"]}, "纳税信用等级 ≠ C", "tax credit grade ≠ C"),
    ({"in": [{"var": "tax_credit"}, ["A", "B"]]}, "纳税信用等级属于 A、B", "tax credit grade is one of A, B"),
    ({"in": ["C", {"var": "industry"}]}, "行业属于 C 门类（制造业）", "industry in section C (manufacturing)"),
    ({"in": ["科技", {"var": "name"}]}, "企业名称包含“科技”", "name contains “科技”"),
    ({"and": [{">=": [EMP, 10]}, {"<": [EMP, 100]}]}, "员工人数 ≥ 10 且 员工人数 < 100",
     "employees ≥ 10 and employees < 100"),
    ({"or": [{"==": [{"var": "high_tech"}, True]}, {">=": [{"var": "rnd_ratio"}, 0.05]}]},
     "高新技术企业 = 是 或 研发投入占比 ≥ 5%", "high-tech enterprise = yes or R&D ratio ≥ 5%"),
    ({"!": {"var": "high_tech"}}, "高新技术企业为否或空", "high-tech enterprise is not set or no"),
    ({"!!": {"var": "high_tech"}}, "高新技术企业为是或非空", "high-tech enterprise is set"),
    ({"!": {">": [EMP, 5]}}, "并非（员工人数 > 5）", "not (employees > 5)"),
    ({">=": [{"-": [2026, {"var": "registered_year"}]}, 3]}, "2026 − 成立年份 ≥ 3", "2026 − year registered ≥ 3"),
    ({">": [{"+": [EMP, 1]}, 2]}, "员工人数 + 1 > 2", "employees + 1 > 2"),
    ({">": [{"*": [{"var": "revenue"}, 2]}, 100]}, "营业收入（万元） × 2 > 100", "revenue (10k yuan) × 2 > 100"),
    ({">": [{"/": [{"var": "revenue"}, EMP]}, 50]}, "营业收入（万元） ÷ 员工人数 > 50",
     "revenue (10k yuan) ÷ employees > 50"),
    ({"==": [{"%": [EMP, 2]}, 0]}, "员工人数 mod 2 = 0", "employees mod 2 = 0"),
    ({">=": [{"max": [EMP, 3]}, 5]}, "max(员工人数, 3) ≥ 5", "max(employees, 3) ≥ 5"),
    ({">=": [{"min": [EMP, 3]}, 5]}, "min(员工人数, 3) ≥ 5", "min(employees, 3) ≥ 5"),
    ({"if": [{">": [EMP, 50]}, {">=": [{"var": "revenue"}, 1000]}, True]},
     "如果员工人数 > 50，则营业收入（万元） ≥ 1000，否则是",
     "if employees > 50 then revenue (10k yuan) ≥ 1000 else yes"),
]


@pytest.mark.parametrize(("rule", "zh", "en"), CASES)
def test_each_operator_reads_in_both_languages(rule, zh: str, en: str) -> None:
    assert render(rule, "zh") == zh
    assert render(rule, "en") == en


def test_explain_adds_the_actual_values() -> None:
    assert explain({">=": [EMP, 10]}, {"employees": 7}, "zh") == "员工人数 ≥ 10，当前 7"
    assert explain({">=": [{"var": "rnd_ratio"}, 0.03]}, {"rnd_ratio": 0.012}, "en") == "R&D ratio ≥ 3%, now 1.2%"
    two = explain({">": [{"/": [{"var": "revenue"}, EMP]}, 50]}, {"revenue": 300, "employees": 10}, "zh")
    assert two.endswith("当前 员工人数 10、营业收入（万元） 300")
    assert explain({"in": [{"var": "scale"}, ["micro", "small"]]}, {"scale": "medium"}, "zh") == \
        "企业规模属于 微型、小型，当前 中型"


@given(st.integers(min_value=-10**6, max_value=10**6))
def test_numbers_are_rendered_as_written(n: int) -> None:
    assert render({">=": [EMP, n]}, "en") == f"employees ≥ {n}"
