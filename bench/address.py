"""Benchmark and evaluate the address standardiser; prints one JSON object.

Accuracy rule (per level, on rows whose gold span for that level is non-empty): correct when the
predicted division at that level is named by the gold text — equal to the canonical name, equal after
removing the level suffix (浙江 = 浙江省, 九堡镇 = 九堡街道, 富阳市 = 富阳区), or a recorded former name
(江干区 → 上城区/钱塘区). Gold spans holding several values ("宁波|杭州") count when any value matches.
For the city level a gold county-level city (义乌市 tagged as city) also counts when it names the predicted
district; for the town level a gold town that became a county-level city (龙港镇 or 龙港 → 龙港市) counts
when it names the predicted district.
"""

from __future__ import annotations

import argparse
import csv
import json
import sys
import tempfile
import time
from pathlib import Path

from cityloop.areas.addresses.cli import OUTPUT_COLUMNS, standardize_csv
from cityloop.areas.addresses.standardizer import StandardAddress, standardize
from cityloop.areas.divisions.gazetteer import CITY, DISTRICT, PROVINCE, TOWN, Gazetteer, core_name, gazetteer

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_DATA = ROOT.parent / "shared" / "data" / "addresses" / "addresses_train.csv"
LEVELS = {"prov": PROVINCE, "city": CITY, "district": DISTRICT, "town": TOWN}


def level_correct(gaz: Gazetteer, gold: str, level: int, codes: dict[int, str]) -> bool:
    """Whether the predicted division chain names the gold span at one level (rule in the docstring)."""
    for part in filter(None, gold.split("|")):
        if level == TOWN and DISTRICT in codes and _former_town(gaz, part, codes[DISTRICT]):
            return True  # a town that became a county-level city (龙港镇 → 龙港市)
        if level in codes and gaz.is_alias(part, codes[level]):
            return True
        if level == CITY and DISTRICT in codes and gaz.is_alias(part, codes[DISTRICT]):
            return True
    return False


def _former_town(gaz: Gazetteer, gold: str, district: str) -> bool:
    """Whether a gold town (with or without its suffix: 龙港, 龙港镇) is a former town name of a district."""
    core = core_name(gold, TOWN)
    return any(core == core_name(f, TOWN) != f for f in gaz.former.get(district, ()))


def evaluate(gaz: Gazetteer, rows: list[dict[str, str]], results: list[StandardAddress]) -> dict[str, float]:
    """Per-level accuracy and coverage figures."""
    out: dict[str, float] = {}
    for field, level in LEVELS.items():
        gold_rows = [(row[field], res) for row, res in zip(rows, results, strict=True) if row[field]]
        hits = sum(
            level_correct(gaz, gold, level, gaz.codes_by_level(res.division_code)) for gold, res in gold_rows
        )
        name = "province" if field == "prov" else field
        out[f"{name}_accuracy_ratio"] = round(hits / len(gold_rows), 4) if gold_rows else 0.0
        out[f"{name}_gold_rows"] = len(gold_rows)
    out["resolved_ratio"] = round(sum(r.division_code is not None for r in results) / len(results), 4)
    return out


def write_errors(gaz: Gazetteer, rows: list[dict[str, str]], results: list[StandardAddress], target: Path) -> None:
    """One CSV line per row wrong at some gold level: gold spans, predicted chain and the standardiser's reason."""
    with target.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["address", "wrong_levels", *LEVELS, "province", "city", "district", "town", "reason"])
        for row, res in zip(rows, results, strict=True):
            codes = gaz.codes_by_level(res.division_code)
            wrong = [f for f, lvl in LEVELS.items() if row[f] and not level_correct(gaz, row[f], lvl, codes)]
            if wrong:
                chain = [res.province, res.city, res.district, res.town]
                writer.writerow([row["address"], "|".join(wrong), *(row[f] for f in LEVELS), *chain, res.reason])


def baseline_csv(source: Path, target: Path) -> float:
    """Rows per second for a bare csv read + write adding the same empty columns (the floor we can't beat)."""
    start = time.perf_counter()
    with (
        source.open(encoding="utf-8-sig", newline="") as src,
        target.open("w", encoding="utf-8", newline="") as dst,
    ):
        reader = csv.DictReader(src)
        writer = csv.DictWriter(dst, fieldnames=list(reader.fieldnames or []) + list(OUTPUT_COLUMNS))
        writer.writeheader()
        count = 0
        for row in reader:
            writer.writerow({**row, **dict.fromkeys(OUTPUT_COLUMNS, "")})
            count += 1
    return count / (time.perf_counter() - start)


def main() -> None:
    """Run the evaluation, the file-command timing and the baseline; print one JSON object."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    parser.add_argument("--within", default=None, help="division-code prefix hint (default: none)")
    parser.add_argument("--errors", type=Path, default=None, help="write rows wrong at any level to this CSV")
    args = parser.parse_args()
    t0 = time.perf_counter()
    gaz = gazetteer()
    load_s = time.perf_counter() - t0
    with args.data.open(encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.DictReader(handle))
    t0 = time.perf_counter()
    results = [standardize(row["address"], within=args.within) for row in rows]
    parse_s = time.perf_counter() - t0
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "out.csv"
        t0 = time.perf_counter()
        count = standardize_csv(args.data, out, "address", within=args.within)
        file_rate = count / (time.perf_counter() - t0)
        base_rate = baseline_csv(args.data, Path(tmp) / "base.csv")
    figures = {
        "rows": len(rows),
        "gazetteer_load_s": round(load_s, 3),
        "standardize_per_s": round(len(rows) / parse_s, 1),
        "addresses_per_s": round(file_rate, 1),
        "baseline_csv_per_s": round(base_rate, 1),
        "vs_baseline_ratio": round(file_rate / base_rate, 4),
        "within": args.within,
        **evaluate(gaz, rows, results),
    }
    if args.errors is not None:  # for error analysis; keep it outside the repository (the data is not ours)
        write_errors(gaz, rows, results, args.errors)
    sys.stdout.write(json.dumps(figures, ensure_ascii=False) + "\n")


if __name__ == "__main__":
    main()
