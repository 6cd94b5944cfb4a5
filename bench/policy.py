"""Policy matching throughput: vectorised JSON Logic over columns against a plain per-row interpreter, same run.

Prints ONE JSON object. Generates N synthetic enterprises as columns (realistic mixes of size, industry, age, tax
credit, high-tech share, R&D ratio) and 20 policies of 2–5 criteria in the style of 惠企 policies; times the full
vectorised match (every criterion of every policy over every enterprise) and the interpreter over a sample, both as
subject-policy checks per second; then, through the database, the incremental re-match of one changed enterprise
and of one new policy, each next to a full re-match as its baseline.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np
from _common import ROOT, emit, fresh_database, migrate

sys.path.insert(0, str(ROOT / "src"))

INDUSTRIES = ["制造业", "软件和信息技术服务业", "批发和零售业", "住宿和餐饮业", "建筑业", "科学研究和技术服务业"]
SCALES = ["大型", "中型", "小型", "微型"]
CREDITS = ["A", "B", "M", "C", "D"]


def registry(n: int, seed: int = 7) -> dict[str, np.ndarray]:
    """N synthetic enterprises as columns."""
    rng = np.random.default_rng(seed)
    employees = np.round(rng.lognormal(2.5, 1.3, n))
    return {
        "uscc": np.array([f"E{i:09d}" for i in range(n)], dtype=object),
        "industry": np.array(rng.choice(INDUSTRIES, n), dtype=object),
        "scale": np.array(np.select([employees > 1000, employees > 300, employees > 20], ["大型", "中型", "小型"],
                                    "微型"), dtype=object),
        "registered_year": rng.integers(1995, 2026, n).astype(float),
        "division_code": np.array(rng.choice(["330102", "330105", "330106", "330108", "330110"], n), dtype=object),
        "employees": employees, "revenue": np.round(employees * rng.lognormal(3.0, 0.8, n), 1),
        "tax_credit": np.array(rng.choice(CREDITS, n, p=[0.3, 0.35, 0.2, 0.1, 0.05]), dtype=object),
        "high_tech": rng.random(n) < 0.08, "rnd_ratio": np.round(rng.beta(1.2, 20, n), 4),
        "name": np.array(["企业"] * n, dtype=object),
    }


def policies(count: int = 20, seed: int = 11) -> list[dict[str, Any]]:
    """Policies of 2–5 criteria drawn from typical 惠企 conditions."""
    rng = random.Random(seed)
    pool = [
        ("高新技术企业", {"==": [{"var": "high_tech"}, True]}),
        ("研发投入占比≥3%", {">=": [{"var": "rnd_ratio"}, 0.03]}),
        ("纳税信用 A/B 级", {"in": [{"var": "tax_credit"}, ["A", "B"]]}),
        ("员工 20–300 人", {"<=": [20, {"var": "employees"}, 300]}),
        ("成立满 3 年", {"<=": [{"var": "registered_year"}, 2022]}),
        ("营收不低于 500 万", {">=": [{"var": "revenue"}, 500]}),
        ("制造业", {"==": [{"var": "industry"}, "制造业"]}),
        ("中小微企业", {"in": [{"var": "scale"}, ["中型", "小型", "微型"]]}),
        ("人均营收≥20 万", {">=": [{"/": [{"var": "revenue"}, {"var": "employees"}]}, 20]}),
        ("西湖区或滨江区", {"in": [{"var": "division_code"}, ["330106", "330108"]]}),
        ("非失信", {"!": {"in": [{"var": "tax_credit"}, ["D"]]}}),
    ]
    out = []
    for i in range(count):
        chosen = rng.sample(pool, rng.randint(2, 5))
        out.append({"id": f"P{i:02d}", "title": f"政策{i}", "object": "enterprise", "no_application": i % 2 == 0,
                    "criteria": [{"label": label, "rule": rule} for label, rule in chosen]})
    return out


def run(n: int, sample: int) -> dict[str, Any]:
    """Both evaluators on the same data; checks per second each."""
    from cityloop.policy.logic import interpret, vector

    cols = registry(n)
    pols = policies()
    checks = n * len(pols)
    t0 = time.perf_counter()
    eligible = 0
    for p in pols:
        grid = np.vstack([vector.evaluate(c["rule"], cols, n) for c in p["criteria"]])
        eligible += int(grid.all(axis=0).sum())
    fast = time.perf_counter() - t0
    rows = [{k: (v[i].item() if isinstance(v[i], np.generic) else v[i]) for k, v in cols.items()}
            for i in range(min(sample, n))]
    t0 = time.perf_counter()
    slow_eligible = 0
    for row in rows:
        for p in pols:
            slow_eligible += all(interpret.truthy(interpret.apply(c["rule"], row)) for c in p["criteria"])
    slow = time.perf_counter() - t0
    sample_fast = sum(int(np.vstack([vector.evaluate(c["rule"], {k: v[:len(rows)] for k, v in cols.items()},
                                                     len(rows)) for c in p["criteria"]]).all(axis=0).sum())
                      for p in pols)
    return {"enterprises": n, "policies": len(pols), "checks": checks, "eligible_pairs": eligible,
            "vector_s": round(fast, 3), "vector_checks_per_s": round(checks / fast),
            "interpreter_sample": len(rows), "interpreter_checks_per_s_baseline": round(len(rows) * len(pols) / slow),
            "speedup": round((checks / fast) / (len(rows) * len(pols) / slow), 1),
            "sample_results_agree": sample_fast == slow_eligible}


def rematch_one(database: str, n_db: int) -> dict[str, Any]:
    """Incremental re-matches through the database, each next to its baseline (a full re-match) in the same run.

    One changed enterprise (re-matched over every policy) against re-matching the whole registry; one new policy
    (re-matched over the whole registry) against re-matching every policy.
    """

    from cityloop.kit.auth import SYSTEM
    from cityloop.kit.db import session_scope
    from cityloop.policy.matching import hooks
    from cityloop.policy.matching import service as matching
    from cityloop.policy.policies import service as policy_import
    from cityloop.policy.policies.models import Policy
    from cityloop.policy.registry.models import Enterprise

    cols = registry(n_db)
    with tempfile.TemporaryDirectory(prefix="cityloop-policy-") as raw, fresh_database(database) as url:
        migrate(url, Path(raw) / "var")
        with session_scope() as session:
            session.add_all(Policy(**p, is_active=True) for p in policies())
            session.add_all(Enterprise(**{k: (v[i].item() if isinstance(v[i], np.generic) else v[i])
                                          for k, v in cols.items()}) for i in range(n_db))
            session.commit()
            t0 = time.perf_counter()
            matching.match(session, SYSTEM)
            first_full = time.perf_counter() - t0
            times = _rematch_times(session, cols, range(20))
            # The same without listeners: the re-match alone, without opening or withdrawing 免申即享 tasks.
            listeners = list(hooks.LISTENERS)
            hooks.LISTENERS.clear()
            bare = _rematch_times(session, cols, range(20, 40))
            hooks.LISTENERS.extend(listeners)
            t0 = time.perf_counter()
            matching.match(session, SYSTEM)
            full = time.perf_counter() - t0
            new = {**policies(1, seed=99)[0], "id": "NEW"}
            t0 = time.perf_counter()
            policy_import.import_json(session, SYSTEM, json.dumps([new], ensure_ascii=False).encode())
            new_policy = time.perf_counter() - t0
            t0 = time.perf_counter()
            matching.match(session, SYSTEM)
            full_with_new = time.perf_counter() - t0
    return {"rematch_one_ms_p50": _median_ms(times), "rematch_one_ms_max": round(max(times) * 1000, 2),
            "rematch_one_without_listeners_ms_p50": _median_ms(bare),
            "rematch_one_baseline_full_match_ms": round(full * 1000, 1), "first_full_match_s": round(first_full, 2),
            "new_policy_ms": round(new_policy * 1000, 1),
            "new_policy_baseline_full_match_ms": round(full_with_new * 1000, 1),
            "rematch_database": database, "rematch_registry": n_db}


def _rematch_times(session: Any, cols: dict[str, np.ndarray], rows: range) -> list[float]:
    """Seconds to re-match each of `rows` after a real change (standings move for some policies)."""
    from sqlalchemy import select

    from cityloop.policy.matching import service as matching
    from cityloop.policy.registry.models import Enterprise

    times = []
    for i in rows:
        firm = session.scalars(select(Enterprise).where(Enterprise.uscc == str(cols["uscc"][i]))).one()
        firm.employees += 25
        session.flush()
        t0 = time.perf_counter()
        matching.match_one(session, firm.uscc)
        times.append(time.perf_counter() - t0)
    return times


def _median_ms(times: list[float]) -> float:
    """The median in milliseconds."""
    return round(sorted(times)[len(times) // 2] * 1000, 2)


def main() -> None:
    """Run and print."""
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--enterprises", type=int, default=1_000_000)
    parser.add_argument("--sample", type=int, default=20_000, help="rows the interpreter evaluates")
    parser.add_argument("--database", choices=["sqlite", "postgresql"], default="sqlite")
    parser.add_argument("--db-enterprises", type=int, default=20_000)
    args = parser.parse_args()
    figures = run(args.enterprises, args.sample)
    figures |= rematch_one(args.database, args.db_enterprises)
    emit(figures)


if __name__ == "__main__":
    main()
