"""Demo persons: valid ID numbers, the shares asked for, importable; the demo person policies import and match."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from cityloop.policy.matching.models import PolicyMatch
from cityloop.policy.registry.persons import demo, idnumber

POLICIES = Path(demo.__file__).resolve().parents[2] / "data" / "person_policies.json"


def test_generated_people_have_valid_ids_and_realistic_shares() -> None:
    rows = demo.generate(6000, ["330106001", "330105001"], date(2026, 6, 1))
    assert len({r["id_number"] for r in rows}) == 6000
    assert all(idnumber.parse(r["id_number"]) for r in rows)
    ages = [idnumber.age_on(idnumber.parse(r["id_number"])[0], date(2026, 6, 1)) for r in rows]  # type: ignore[index]
    share = {k: sum(r[k] not in {"false", "0"} for r in rows) / len(rows)
             for k in ("disability_level", "low_income", "veteran")}
    assert 0.045 < share["disability_level"] < 0.08
    assert 0.02 < share["low_income"] < 0.04
    assert 0.01 < share["veteran"] < 0.03
    assert all(a >= 70 for a, r in zip(ages, rows, strict=True) if r["elderly_alone"] == "true")
    assert 0.15 < sum(a >= 60 for a in ages) / len(ages) < 0.23  # the 2020 census: 18.7 %


def test_demo_people_and_person_policies_import_and_match(engine, db: Session) -> None:
    assert demo.seed(db, 800, ["330106001"], seed_value=3) == {"persons": 800, "policies": 12}
    matched = db.scalar(select(func.count()).select_from(PolicyMatch).where(PolicyMatch.status == "eligible"))
    assert matched
    assert matched > 20
