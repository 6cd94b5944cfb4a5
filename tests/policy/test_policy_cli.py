"""免申即享 contract: registry import, policy import, match to CSV, on an empty migrated database."""

from __future__ import annotations

import csv
import json
from pathlib import Path

from sqlalchemy import func, select
from typer.testing import CliRunner

from cityloop.cli import app
from cityloop.policy.matching.models import PolicyMatch
from cityloop.policy.registry.models import Enterprise

runner = CliRunner()
HEADER = "uscc,name,industry,scale,registered_year,division_code,employees,revenue,tax_credit,high_tech,rnd_ratio\n"
# Valid GB 32100 codes (check characters computed by the standard's weights).
GOOD = ["91330106MA2ABCDE1G", "92330106MA2XYW001W"]
POLICIES = [
    {"id": "P-HT", "title": "高新技术企业奖励", "object": "enterprise", "no_application": True, "criteria": [
        {"label": "高新技术企业", "rule": {"==": [{"var": "high_tech"}, True]}},
        {"label": "研发投入占比≥3%", "rule": {">=": [{"var": "rnd_ratio"}, 0.03]}},
        {"label": "纳税信用 A/B", "rule": {"in": [{"var": "tax_credit"}, ["A", "B"]]}}]},
    {"id": "P-JOBS", "title": "稳岗补贴", "object": "enterprise", "no_application": False, "criteria": [
        {"label": "员工不少于 20 人", "rule": {">=": [{"var": "employees"}, 20]}}]},
]


def _write(tmp: Path, name: str, text: str) -> Path:
    path = tmp / name
    path.write_text(text, encoding="utf-8")
    return path


def test_import_match_and_csv(engine, tmp_path: Path) -> None:
    rows = (f"{GOOD[0]},湖畔科技,软件,小型,2018,330106,35,1200.5,A,true,0.06\n"
            f"{GOOD[1]},小馆,餐饮,微型,2020,330106,6,80,B,false,0\n")
    done = runner.invoke(app, ["registry", "import", "enterprises", str(_write(tmp_path, "e.csv", HEADER + rows))])
    assert done.exit_code == 0, done.output
    assert json.loads(done.output)["created"] == 2
    imported = runner.invoke(app, ["policy", "import", str(_write(tmp_path, "p.json", json.dumps(POLICIES)))])
    assert imported.exit_code == 0, imported.output
    out = tmp_path / "match.csv"
    matched = runner.invoke(app, ["policy", "match", "--out", str(out)])
    assert matched.exit_code == 0, matched.output
    with out.open(encoding="utf-8") as handle:
        table = list(csv.DictReader(handle))
    assert list(table[0]) == ["subject_id", "policy_id", "eligible", "failed"]
    got = {(r["subject_id"], r["policy_id"]): (r["eligible"], r["failed"]) for r in table}
    assert got == {(GOOD[0], "P-HT"): ("true", ""), (GOOD[0], "P-JOBS"): ("true", ""),
                   (GOOD[1], "P-JOBS"): ("false", "员工不少于 20 人")}
    one = runner.invoke(app, ["policy", "match", "--policy", "P-HT", "--out", str(out)])
    assert json.loads(one.output)["rows"] == 1


def test_bad_rows_are_reported_by_line_and_nothing_half_written(engine, db, tmp_path: Path) -> None:
    rows = (f"{GOOD[0]},湖畔科技,软件,小型,2018,330106,35,1200.5,A,true,0.06\n"
            "91330106MA2ABCDE1X,坏码,软件,小型,2018,330106,35,1,A,true,0.1\n"
            f"{GOOD[1]},,餐饮,微型,1800,33x,-1,abc,B,yes,0\n"
            f"{GOOD[0]},重复,软件,小型,2018,330106,3,1,A,true,0.1\n")
    done = runner.invoke(app, ["registry", "import", "enterprises", str(_write(tmp_path, "e.csv", HEADER + rows))])
    assert done.exit_code == 1
    report = json.loads(done.stderr or done.output)["details"]["rows"]
    assert {r["line"]: sorted(e["field"] for e in r["errors"]) for r in report} == {
        3: ["uscc"], 4: ["division_code", "employees", "high_tech", "name", "registered_year", "revenue"],
        5: ["uscc"]}
    assert db.scalar(select(func.count()).select_from(Enterprise)) == 0


def test_a_policy_with_an_unknown_attribute_or_operator_is_refused_with_its_path(engine, tmp_path: Path) -> None:
    bad = [POLICIES[1], {**POLICIES[0], "criteria": [{"label": "x", "rule": {"and": [
        {">": [{"var": "employees"}, 1]}, {"<": [{"var": "profit"}, 3]}]}}]}]
    done = runner.invoke(app, ["policy", "import", str(_write(tmp_path, "p.json", json.dumps(bad)))])
    assert done.exit_code == 1
    fields = json.loads(done.stderr or done.output)["details"]["fields"]
    assert list(fields) == ["[1].criteria[0].rule.and[1].<[0].var"]
    regex = [{**POLICIES[1], "criteria": [{"label": "x", "rule": {"regex": ["a", "b"]}}]}]
    done = runner.invoke(app, ["policy", "import", str(_write(tmp_path, "q.json", json.dumps(regex)))])
    assert list(json.loads(done.stderr or done.output)["details"]["fields"]) == ["[0].criteria[0].rule.regex"]


def test_rematching_one_enterprise_updates_its_results(engine, db, tmp_path: Path) -> None:
    from cityloop.policy.matching import service

    rows = f"{GOOD[1]},小馆,餐饮,微型,2020,330106,6,80,B,false,0\n"
    runner.invoke(app, ["registry", "import", "enterprises", str(_write(tmp_path, "e.csv", HEADER + rows))])
    runner.invoke(app, ["policy", "import", str(_write(tmp_path, "p.json", json.dumps(POLICIES)))])
    runner.invoke(app, ["policy", "match", "--out", str(tmp_path / "m.csv")])
    firm = db.scalar(select(Enterprise))
    firm.employees = 25
    db.commit()
    found = service.match_one(db, GOOD[1])
    assert [(o.policy_id, o.eligible) for o in found] == [("P-JOBS", True)]
    stored = db.scalar(select(PolicyMatch).where(PolicyMatch.subject_id == GOOD[1]))
    assert (stored.status, stored.values) == ("eligible", {"employees": 25})
