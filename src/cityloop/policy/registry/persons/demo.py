"""Synthetic persons for the demo city: census-shaped ages, ~6 % disabled, ~3 % low-income, ~2 % veterans,
elderly living alone among the 70+, valid ID numbers (GB 11643), as CSV rows of the person import."""

from __future__ import annotations

import csv
import io
import json
import random
from collections.abc import Sequence
from datetime import date, timedelta
from functools import lru_cache
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session

from cityloop.kit.auth import SYSTEM
from cityloop.kit.clock import to_local, utcnow
from cityloop.policy.registry.persons.idnumber import check_char
from cityloop.policy.registry.persons.rows import COLUMNS

DATA = Path(__file__).resolve().parents[2] / "data" / "demo_persons.json"
POLICIES = DATA.with_name("person_policies.json")


@lru_cache
def _shape() -> dict[str, Any]:
    data: dict[str, Any] = json.loads(DATA.read_text(encoding="utf-8"))
    return data


def generate(n: int, divisions: Sequence[str], today: date, seed: int = 12) -> list[dict[str, str]]:
    """N persons living in `divisions` (6-digit or longer codes; the ID numbers use the first 6 digits)."""
    rng, shape = random.Random(seed), _shape()
    groups, weights = zip(*shape["age_groups"], strict=True)
    issued: set[str] = set()
    rows = []
    for _ in range(n):
        age = rng.choice(range(groups[i := rng.choices(range(len(groups)), weights)[0]], groups[i] + 5))
        born = today - timedelta(days=age * 365 + rng.randint(0, 364))
        male = rng.random() < 0.51
        division = rng.choice(list(divisions))
        rows.append(_person(rng, shape, _unique_id(rng, division, born, male, issued), division, age, male))
    return rows


def _unique_id(rng: random.Random, division: str, born: date, male: bool, issued: set[str]) -> str:
    while True:
        seq = rng.randint(0, 99) * 10 + rng.choice((1, 3, 5, 7, 9) if male else (0, 2, 4, 6, 8))
        body = f"{division[:6]}{born:%Y%m%d}{seq:03d}"
        found = body + check_char(body)
        if found not in issued:
            issued.add(found)
            return found


def _person(rng: random.Random, shape: dict[str, Any], id_number: str, division: str, age: int,
            male: bool) -> dict[str, str]:
    # Disability is commoner with age (about a quarter of the disabled are over 60 in the 2006 sample survey).
    disabled = rng.random() < shape["disabled_share"] * (2.2 if age >= 60 else 0.75)
    veteran = age >= 38 and rng.random() < shape["veteran_share"] * (2.6 if male else 0.3)
    return {
        "id_number": id_number,
        "name": rng.choice(shape["surnames"]) + "".join(rng.choices(shape["given"], k=rng.choice((1, 2)))),
        "division_code": division,
        "disability_level": str(rng.choices((1, 2, 3, 4), (1, 2, 3, 4))[0] if disabled else 0),
        "low_income": _flag(rng.random() < shape["low_income_share"]),
        "veteran": _flag(veteran),
        "elderly_alone": _flag(age >= 70 and rng.random() < shape["alone_share_70_plus"]),
        "employment": _employment(rng, age),
        "extra": "",
    }


def _flag(value: bool) -> str:
    return "true" if value else "false"


def _employment(rng: random.Random, age: int) -> str:
    if age < 16:
        return "student" if age >= 6 else "none"
    if age < 22:
        return rng.choices(["student", "employed", "unemployed", "none"], [70, 20, 5, 5])[0]
    if age < 60:
        return rng.choices(["employed", "flexible", "unemployed", "none"], [76, 12, 5, 7])[0]
    return rng.choices(["retired", "none", "flexible"], [78, 18, 4])[0]


def to_csv(rows: Sequence[dict[str, str]]) -> bytes:
    """The rows as a CSV file the person import reads."""
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=[*COLUMNS, "extra"], lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue().encode("utf-8")


def seed(session: Session, n: int, divisions: Sequence[str], seed_value: int = 12) -> dict[str, Any]:
    """Import N demo persons and the demo person policies (matches and 免申即享 tasks follow); for `demo seed`."""
    from cityloop.policy.policies import service as policies
    from cityloop.policy.registry.persons import service as persons

    rows = generate(n, divisions, to_local(utcnow()).date(), seed_value)
    report = persons.import_persons(session, SYSTEM, to_csv(rows), "demo-persons.csv")
    imported = policies.import_json(session, SYSTEM, POLICIES.read_bytes())
    return {"persons": report.created + report.updated + report.unchanged,
            "policies": len(imported.created) + len(imported.updated) + len(imported.unchanged)}
