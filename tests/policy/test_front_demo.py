"""Demo registry: valid credit codes, a real city's shape, the demo policies import, and a showcase firm."""

from __future__ import annotations

from collections import Counter

import pytest
from sqlalchemy import select

from cityloop.areas.divisions.models import Division
from cityloop.areas.elements.rows import credit_code_valid
from cityloop.kit.errors import Conflict
from cityloop.policy.demo import generator, seed
from cityloop.policy.demo.uscc import with_check
from cityloop.policy.matching.models import PolicyMatch
from cityloop.policy.portal import service as portal

STREETS = ["330106001", "330106002", "330105001"]


def test_check_characters_follow_gb_32100() -> None:
    assert with_check("91330106MA2ABCDE1") == "91330106MA2ABCDE1G"  # a code the registry tests use
    rows = generator.enterprises(3000, STREETS, 2026, seed=3)
    assert all(credit_code_valid(r["uscc"]) for r in rows)
    assert len({r["uscc"] for r in rows}) == len({r["name"] for r in rows}) == 3000


def test_the_registry_has_a_real_citys_shape() -> None:
    rows = generator.enterprises(6000, STREETS, 2026, seed=5)
    scales = Counter(r["scale"] for r in rows)
    assert scales["micro"] > 0.6 * len(rows)
    assert scales["micro"] + scales["small"] > 0.85 * len(rows)
    assert 0.03 < sum(r["high_tech"] for r in rows) / len(rows) < 0.08
    grades = Counter(r["tax_credit"] for r in rows)
    assert grades["B"] + grades["M"] > 0.6 * len(rows)
    years = Counter(r["registered_year"] for r in rows)
    assert years[2026] + years[2025] > years[2016] + years[2015] + years[2014]
    sections = Counter(r["industry"][0] for r in rows)
    assert sections.most_common(1)[0][0] == "F"
    by_scale = {s: sorted(r["employees"] for r in rows if r["scale"] == s) for s in ("micro", "medium")}
    assert by_scale["micro"][-1] < by_scale["medium"][0]
    tech = [r["rnd_ratio"] for r in rows if r["high_tech"]]
    other = [r["rnd_ratio"] for r in rows if not r["high_tech"]]
    assert sum(tech) / len(tech) > 3 * sum(other) / len(other)
    assert {r["division_code"] for r in rows} == set(STREETS)


def test_seed_gives_a_firm_with_two_policies_and_a_near_miss(db) -> None:
    from cityloop.policy.notices import service as notices

    notices.register()
    for code in STREETS:
        db.add(Division(code=code, name=code, level=4, parent_code=code[:6]))
    db.commit()
    done = seed.seed(db, "demo-pass-1", n=1500, seed=9, persons=3000)
    assert (done.enterprises, done.persons) == (1500, 3000)
    assert done.policies == 13 + 12
    kinds = Counter(db.scalars(select(PolicyMatch.subject_kind).where(PolicyMatch.status == "eligible")))
    assert kinds["person"] > 0
    assert done.notices == done.eligible + done.near_miss
    standings = Counter(m.status for m in db.scalars(select(PolicyMatch).where(PolicyMatch.subject_id ==
                                                                               done.firm_uscc)))
    assert standings["eligible"] >= 2
    assert standings["near_miss"] >= 1
    from cityloop.accounts import service as accounts

    user = accounts.authenticate(db, "firm", "demo-pass-1", "")
    mine = portal.mine(db, accounts.subject_for_user(db, user), "zh")
    assert mine.subject_id == done.firm_uscc
    assert len(mine.eligible) >= 2
    assert mine.near_miss
    assert all(s.missing and "当前" in s.missing[0].text for s in mine.near_miss)
    with pytest.raises(Conflict):
        seed.seed(db, "demo-pass-1", n=10, persons=0)
