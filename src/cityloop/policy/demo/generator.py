"""N synthetic enterprises shaped like a real city's registry (industries, scales, ages, sizes, credit, R&D)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import yaml
from numpy.typing import NDArray

from cityloop.policy.demo.uscc import code

SHAPE: dict[str, Any] = yaml.safe_load((Path(__file__).resolve().parents[1] / "data" / "demo_registry.yaml")
                                       .read_text(encoding="utf-8"))


def enterprises(n: int, divisions: list[str], this_year: int, seed: int = 42) -> list[dict[str, Any]]:
    """`n` registry rows spread over `divisions` (street codes), reproducible for a seed."""
    rng = np.random.default_rng(seed)
    sections = list(SHAPE["sections"])
    shares = np.array([SHAPE["sections"][s][0] for s in sections])
    section = rng.choice(sections, size=n, p=shares / shares.sum())
    scales = list(SHAPE["scales"])
    weights = np.array([SHAPE["scales"][s]["share"] for s in scales])
    scale = rng.choice(scales, size=n, p=weights / weights.sum())
    employees = _by_scale(rng, scale, "employees").round().astype(int)
    revenue = _by_scale(rng, scale, "revenue").round(1)
    high_tech = rng.random(n) < _high_tech_odds(section)
    grades = SHAPE["tax_credit"]
    credit = rng.choice(list(grades), size=n, p=np.array(list(grades.values())) / sum(grades.values()))
    years = this_year - np.minimum(rng.exponential(SHAPE["registered_mean_years"], n).astype(int), this_year - 1980)
    where = rng.choice(divisions, size=n)
    rnd = _rnd(rng, high_tech)
    names = SHAPE["names"]
    brands = rng.choice(names["brands"], size=n)
    rows = []
    seen: dict[str, int] = {}
    for i in range(n):
        sec = str(section[i])
        division = str(where[i])
        rows.append({
            "uscc": code("92" if scale[i] == "micro" and i % 3 == 0 else "91", division[:6], seed * 1_000_003 + i),
            "name": _unique(f"杭州{brands[i]}{names['trades'][sec]}有限公司", seen),
            "industry": sec + str(rng.choice(SHAPE["sections"][sec][1])), "scale": str(scale[i]),
            "registered_year": int(years[i]), "division_code": division, "employees": int(employees[i]),
            "revenue": float(revenue[i]), "tax_credit": str(credit[i]), "high_tech": bool(high_tech[i]),
            "rnd_ratio": float(rnd[i])})
    return rows


def _unique(name: str, seen: dict[str, int]) -> str:
    # Brand × trade repeats in a city of 30,000 firms; a number keeps every registered name unique, as it must be.
    seen[name] = seen.get(name, 0) + 1
    return name if seen[name] == 1 else f"{name[:-4]}{seen[name]}号{name[-4:]}"


def _by_scale(rng: np.random.Generator, scale: NDArray[Any], field: str) -> NDArray[np.float64]:
    out = np.zeros(len(scale))
    for name, spec in SHAPE["scales"].items():
        median, sigma, low, high = spec[field]
        mask = scale == name
        out[mask] = np.clip(rng.lognormal(np.log(median), sigma, int(mask.sum())), low, high)
    return out


def _high_tech_odds(section: NDArray[Any]) -> NDArray[np.float64]:
    spec = SHAPE["high_tech"]
    odds = np.full(len(section), float(spec["base"]))
    for name, p in spec["sections"].items():
        odds[section == name] = p
    return odds


def _rnd(rng: np.random.Generator, high_tech: NDArray[np.bool_]) -> NDArray[np.float64]:
    spec = SHAPE["rnd"]
    n = len(high_tech)
    ht = rng.lognormal(np.log(spec["high_tech"][0]), spec["high_tech"][1], n)
    other = np.where(rng.random(n) < spec["other_share"], rng.lognormal(np.log(spec["other"][0]), spec["other"][1], n),
                     0.0)
    return np.clip(np.where(high_tech, ht, other), 0, 0.6).round(4)
