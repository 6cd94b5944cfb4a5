"""Precision and coverage of placing appeal-like sentences on a division; prints one JSON object.

Sentences are built from real addresses (NAACL-2019 address corpus, gold spans per level) written into appeal
templates, half of them with a distractor (a company or agency named after the city, the city's own name, a river
or road that runs through several districts). Two no-place sets: the same distractors alone, and 泰迪杯 titles
(places anonymised as A市/A3区). The baseline is the current intake placement: the standardiser on the same text
with the city as `within`, kept when it lands below the city.

Local names: "learned" learns from half of the addresses (as confirmed cases, N sightings needed) and is tested on
the other half; "registry" stands for the city's complete standard-address registry, so it holds every address
(the tested ones too), one sighting each.

An answer is correct when its district is the gold district and, for a town answer where the gold names a town,
the town is the gold town (a town answer where the gold has no town is judged at district level only).
"""

from __future__ import annotations

import argparse
import csv
import random
import sys
import time
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from cityloop.areas.addresses.locate import division_of
from cityloop.areas.addresses.standardizer import standardize
from cityloop.areas.divisions.gazetteer import (
    CITY,
    DISTRICT,
    FULL,
    PROVINCE,
    TOWN,
    Gazetteer,
    core_name,
    gazetteer,
)
from cityloop.areas.placement.names import Lexicon, names_in
from cityloop.areas.placement.service import place

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import emit  # noqa: E402  (bench scripts share helpers by path)

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_ADDRESSES = ROOT.parent / "shared" / "data" / "addresses" / "addresses_train.csv"
DEFAULT_TITLES = ROOT.parent / "shared" / "data" / "tipdm2020" / "titles_train.csv"
PREFIXES = ("", "您好，我家住在", "市民来电反映：", "投诉", "我在", "反映", "请问")
PROBLEMS = (
    "附近的路灯坏了很久没人修。", "有人乱倒建筑垃圾，请尽快处理。", "门口道路积水严重，出行不便。",
    "夜间施工噪音扰民，影响休息。", "下水道堵塞，污水外溢。", "有违章搭建，希望相关部门查处。",
)
# Rivers that run through several districts of their city (bench-only distractors).
RIVERS = {
    "3301": ("钱塘江", "东苕溪", "京杭运河"), "3302": ("奉化江", "姚江", "甬江"), "3303": ("瓯江", "温瑞塘河"),
    "3306": ("曹娥江", "浦阳江"), "3307": ("婺江", "东阳江"), "3310": ("椒江", "永宁江"),
}


@dataclass(frozen=True, slots=True)
class Sentence:
    """One test sentence, its scope and gold (district, town or None)."""

    text: str
    within: str
    district: str | None
    town: str | None
    kind: str  # place | distractor | tipdm


def _alias_index(gaz: Gazetteer) -> dict[tuple[int, str], list[str]]:
    """(level, core name) → codes, former names included."""
    index: dict[tuple[int, str], list[str]] = defaultdict(list)
    for code, div in gaz.divisions.items():
        names = {div.name, gaz.display_name(code) or div.name, *gaz.former.get(code, ())}
        for name in names:
            index[(div.level, core_name(name, div.level))].append(code)
    return index


def _codes(index: dict[tuple[int, str], list[str]], level: int, gold: str) -> list[str]:
    """Codes a gold span may name at a level (first value of a multi-valued span)."""
    part = gold.split("|")[0]
    return index.get((level, core_name(part, level)), []) if part else []


def _narrow(cands: list[str], parents: list[list[str]]) -> list[str]:
    """Candidates under every given parent level, preferring Zhejiang (the corpus is mostly Zhejiang)."""
    for options in parents:
        if options:
            cands = [c for c in cands if any(c.startswith(p) for p in options)]
    zhejiang = [c for c in cands if c.startswith("33")]
    return zhejiang or cands


def gold_codes(
    gaz: Gazetteer, index: dict[tuple[int, str], list[str]], row: dict[str, str]
) -> tuple[str, str | None] | None:
    """(district, town or None) the gold spans name unambiguously, else None."""
    parents = [_codes(index, PROVINCE, row["prov"]), _codes(index, CITY, row["city"])]
    districts = _narrow(_codes(index, DISTRICT, row["district"]), parents)
    towns = _narrow(_codes(index, TOWN, row["town"]), [*parents, districts])
    if len(towns) == 1:
        return towns[0][:6], towns[0]
    if len(districts) == 1:
        return districts[0], None
    return None


def _fragment(rng: random.Random, row: dict[str, str]) -> str:
    """The address as an appeal would carry it: whole, without province/city, or only road and POI."""
    roll = rng.random()
    if roll < 0.3 and (row["road"] or row["poi"]):
        return row["road"] + row["poi"]
    text = row["address"]
    if roll < 0.65:
        for gold in (row["prov"], row["city"]):
            part = gold.split("|")[0]
            if part and text.startswith(part):
                text = text[len(part):]
    return text


def _distractor(rng: random.Random, gaz: Gazetteer, city: str, shared_roads: dict[str, list[str]]) -> str:
    """One misleading phrase: company/agency named after the city, the city alone, a shared river or road."""
    name = gaz.display_name(city) or gaz.divisions[city].name
    core = core_name(name, CITY)
    options = [f"已向{name}水务投资发展有限公司反映，没有结果。", f"打过{core}城管局电话没人管。",
               f"作为{name}市民，", f"{name}"]
    if not any(h.kind == FULL and h.code.startswith(city) for h in gaz.lookup(core + "市")):
        options.append(f"{core}市民反映，")  # 恩施市民 would name the county-level city 恩施市 itself
    options += [f"在{river}边，" for river in RIVERS.get(city, ())]
    options += [f"沿{road}一带，" for road in shared_roads.get(city, ())[:5]]
    return rng.choice(options)


def build(gaz: Gazetteer, rows: list[dict[str, str]], titles: list[str], seed: int
          ) -> tuple[list[Sentence], list[tuple[str, str]], list[tuple[str, str]]]:
    """(test sentences, confirmed-case pairs (text, gold code) from the other half, registry pairs from all)."""
    rng = random.Random(seed)
    index = _alias_index(gaz)
    golden = [(row, g) for row in rows if (g := gold_codes(gaz, index, row)) is not None]
    rng.shuffle(golden)
    half = len(golden) // 2
    learn = [(row["address"], town or district) for row, (district, town) in golden[:half]]
    registry = [(row["address"], town or district) for row, (district, town) in golden]
    shared = _shared_roads(golden)
    out: list[Sentence] = []
    for row, (district, town) in golden[half:]:
        city = district[:4]
        text = _fragment(rng, row)
        if rng.random() < 0.5:
            text = _distractor(rng, gaz, city, shared) + text if rng.random() < 0.5 else text + "，" + \
                _distractor(rng, gaz, city, shared)
        out.append(Sentence(rng.choice(PREFIXES) + text + rng.choice(PROBLEMS), city, district, town, "place"))
    for city in sorted({d[:4] for _, (d, _t) in golden}):
        for _ in range(20):
            out.append(Sentence(_distractor(rng, gaz, city, shared) + rng.choice(PROBLEMS), city, None, None,
                                "distractor"))
    out += [Sentence(t, "3301", None, None, "tipdm") for t in titles]
    return out, learn, registry


def _shared_roads(golden: list[tuple[dict[str, str], tuple[str, str | None]]]) -> dict[str, list[str]]:
    """Per city, road names the gold puts in two or more districts."""
    where: dict[tuple[str, str], set[str]] = defaultdict(set)
    for row, (district, _) in golden:
        if row["road"]:
            where[(district[:4], row["road"])].add(district)
    out: dict[str, list[str]] = defaultdict(list)
    for (city, road), districts in sorted(where.items()):
        if len(districts) > 1:
            out[city].append(road)
    return out


def correct(answer: str, s: Sentence) -> bool:
    """Rule in the module docstring."""
    if s.district is None or answer[:6] != s.district:
        return False
    return len(answer) < 9 or s.town is None or answer == s.town


def score(sentences: list[Sentence], answers: list[str | None]) -> dict[str, float]:
    """Precision, coverage, per-level precision and the abstain shares on the no-place sets."""
    place = [(s, a) for s, a in zip(sentences, answers, strict=True) if s.kind == "place"]
    given = [(s, a) for s, a in place if a]
    right = sum(correct(a, s) for s, a in given)
    out = {"precision_ratio": round(right / max(1, len(given)), 4), "coverage_ratio": round(len(given) / len(place), 4)}
    for level, width in (("district", 6), ("town", 9)):
        at = [(s, a) for s, a in given if len(a) == width and (width == 6 or s.town)]
        out[f"{level}_answers"] = len(at)
        out[f"{level}_precision_ratio"] = round(sum(correct(a, s) for s, a in at) / max(1, len(at)), 4)
    for kind in ("distractor", "tipdm"):
        rows = [a for s, a in zip(sentences, answers, strict=True) if s.kind == kind]
        out[f"{kind}_abstain_ratio"] = round(sum(a is None for a in rows) / max(1, len(rows)), 4)
    wrong_noplace = sum(a is not None for s, a in zip(sentences, answers, strict=True) if s.kind != "place")
    out["precision_with_noplace_ratio"] = round(right / max(1, len(given) + wrong_noplace), 4)
    return out


def baseline(text: str, within: str) -> str | None:
    """The current intake placement from text: standardiser, kept below the city and inside it."""
    code = division_of(standardize(text, within=within).division_code)
    return code if code and code.startswith(within) and len(code) > len(within) else None


def run(sentences: list[Sentence], answer: Callable[[str, str], str | None]) -> tuple[list[str | None], float]:
    """Answers for every sentence and the rate per second."""
    started = time.perf_counter()
    answers = [answer(s.text, s.within) for s in sentences]
    return answers, len(sentences) / (time.perf_counter() - started)


def main() -> None:
    """Build the sentences, run every configuration and the baseline, print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--addresses", type=Path, default=DEFAULT_ADDRESSES)
    parser.add_argument("--titles", type=Path, default=DEFAULT_TITLES)
    parser.add_argument("--min-count", type=int, default=3, help="sightings a learned name needs (N)")
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    gaz = gazetteer()
    with args.addresses.open(encoding="utf-8-sig") as handle:
        rows = list(csv.DictReader(handle))
    with args.titles.open(encoding="utf-8-sig") as handle:
        titles = [r["title"] for r in csv.DictReader(handle)]
    sentences, learn, registered = build(gaz, rows, titles, args.seed)
    learned = Lexicon.build([(n, code, 1) for text, code in learn for n in names_in(text)], args.min_count)
    # A registry entry is authoritative on its own: one sighting is enough (a name in two divisions stays ambiguous).
    registry = Lexicon.build([(n, code, 1) for text, code in registered for n in names_in(text)], min_count=1)
    figures: dict[str, object] = {"sentences": len(sentences),
                                  "place_sentences": sum(s.kind == "place" for s in sentences)}
    configs: dict[str, Callable[[str, str], str | None]] = {
        "baseline": baseline,
        "national": lambda t, w: place(t, within=w).division_code,
        "learned": lambda t, w: place(t, within=w, lexicon=learned).division_code,
        "registry": lambda t, w: place(t, within=w, lexicon=registry).division_code,
    }
    for name, answer in configs.items():
        answers, rate = run(sentences, answer)
        figures |= {f"{name}_{k}": v for k, v in score(sentences, answers).items()}
        figures[f"{name}_sentences_per_s"] = round(rate)
    emit(figures)


if __name__ == "__main__":
    main()
