"""Placement from free text: answers only on evidence, skips agencies and companies, abstains on conflict."""

from __future__ import annotations

import csv
from pathlib import Path

from hypothesis import assume, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from cityloop.areas.addresses.cli import address_app
from cityloop.areas.divisions.gazetteer import gazetteer
from cityloop.areas.placement.names import Lexicon, names_in
from cityloop.areas.placement.service import place

HANGZHOU, NINGBO = "3301", "3302"


# The failure cases, each once read wrongly by the standardiser the intake used.


def test_a_generic_word_is_not_fuzzily_read_as_a_district() -> None:
    assert place("杭州市老城区停车难", within=HANGZHOU).division_code is None  # was 上城区 (fuzzy 老城区)


def test_the_city_name_is_not_its_namesake_county() -> None:
    result = place("承德市有违章搭建，希望相关部门查处。", within="1308")
    assert result.division_code is None  # was 承德县 (承德市 as a variant of 承德县)


def test_a_river_through_several_districts_is_not_pinned_to_one() -> None:
    assert place("奉化江边垃圾很多没人清理", within=NINGBO).division_code is None  # was 奉化区
    assert place("余杭塘河污染严重", within=HANGZHOU).division_code is None  # was 余杭区


def test_company_and_agency_names_are_skipped() -> None:
    assert place("齐齐哈尔市水务投资发展有限公司乱收费", within="2302").division_code is None  # was 克山县
    assert place("抚顺城管局不作为", within="2104").division_code is None  # was 顺城区
    result = place("鄞州区城管局不作为", within=NINGBO)
    assert result.division_code is None
    assert "鄞州区…(org)" in result.ignored


def test_conflicting_districts_abstain() -> None:
    result = place("鄞州区和海曙区交界处有垃圾", within=NINGBO)
    assert result.division_code is None
    assert (result.reason or "").startswith("conflicting")


# What it answers, and how deep.


def test_answer_is_the_deepest_division_named() -> None:
    result = place("杭州市余杭区闲林街道五常大道翡翠城路灯坏了", within=HANGZHOU)
    assert result.division_code == "330110011"
    assert result.evidence == ("余杭区", "闲林街道")
    assert result.confidence > 0.95


def test_a_district_alone_answers_the_district() -> None:
    result = place("我在西湖区，门口道路积水", within=HANGZHOU)
    assert (result.division_code, result.evidence) == ("330106", ("西湖区",))


def test_two_towns_of_one_district_answer_the_district_less_surely() -> None:
    one = place("鄞州区姜山镇路灯坏了", within=NINGBO)
    two = place("鄞州区姜山镇和邱隘镇路灯坏了", within=NINGBO)
    assert one.division_code == "330212110"
    assert two.division_code == "330212"
    assert two.confidence < one.confidence


def test_a_bare_town_name_needs_its_district() -> None:
    assert place("姜山的路灯坏了", within=NINGBO).division_code is None
    assert place("鄞州姜山的路灯坏了", within=NINGBO).division_code == "330212110"


def test_a_place_outside_the_scope_abstains() -> None:
    result = place("温州市鹿城区有人占道经营", within=HANGZHOU)
    assert result.division_code is None
    assert result.reason == "outside 3301: 温州市|鹿城区"
    assert place("温州市鹿城区有人占道经营", within="3303").division_code == "330302"


def test_the_city_alone_and_anonymised_names_abstain() -> None:
    assert place("作为杭州市市民，我想反映一个问题", within=HANGZHOU).division_code is None
    assert place("A3区莲花镇菜鸟驿站所有快递取件收费", within=HANGZHOU).division_code is None


# Learned local names.


def _lexicon(sightings: list[tuple[str, str, int]], min_count: int = 3) -> Lexicon:
    return Lexicon.build(sightings, min_count)


def test_a_name_seen_often_in_one_division_is_evidence() -> None:
    lexicon = _lexicon([("天童南路", "330212", 5)])
    result = place("天童南路有个井盖没了", within=NINGBO, lexicon=lexicon)
    assert (result.division_code, result.evidence) == ("330212", ("天童南路",))


def test_a_name_seen_too_rarely_is_not_evidence() -> None:
    lexicon = _lexicon([("天童南路", "330212", 2)])
    assert place("天童南路有个井盖没了", within=NINGBO, lexicon=lexicon).division_code is None


def test_a_name_seen_in_two_divisions_is_never_evidence_alone() -> None:
    lexicon = _lexicon([("姚江", "330205", 9), ("姚江", "330281", 4)])
    result = place("姚江边有人非法捕鱼", within=NINGBO, lexicon=lexicon)
    assert result.division_code is None
    assert "姚江(ambiguous)" in result.ignored
    assert place("江北区姚江边有人非法捕鱼", within=NINGBO, lexicon=lexicon).division_code == "330205"


def test_a_known_name_inside_a_longer_unknown_name_does_not_count() -> None:
    lexicon = _lexicon([("华西路", "330381", 5)])
    assert place("我家在新华西路路灯坏了", within="3303", lexicon=lexicon).division_code is None
    assert place("我家在华西路路灯坏了", within="3303", lexicon=lexicon).division_code == "330381"


def test_candidate_names_skip_function_words() -> None:
    assert "天童南路" in names_in("我住在天童南路123号")
    assert not any(name.startswith("在") for name in names_in("我住在天童南路123号"))


# Adding a conflicting place never makes an answer more confident.

_GAZ = gazetteer()
_NAMES = sorted(_GAZ.divisions[c].name for c in _GAZ.divisions if c.startswith(HANGZHOU) and len(c) > 4)
_PROBLEMS = ["路灯坏了", "有人占道经营", "下水道堵塞", "夜间施工噪音扰民"]


@settings(max_examples=200, deadline=None)
@given(st.lists(st.sampled_from(_NAMES), min_size=1, max_size=2), st.sampled_from(_NAMES),
       st.sampled_from(_PROBLEMS), st.booleans())
def test_a_conflicting_place_never_raises_confidence(names: list[str], other: str, problem: str, first: bool) -> None:
    base = place("".join(names) + problem, within=HANGZHOU)
    alone = place(other, within=HANGZHOU).division_code
    assume(base.division_code is not None and alone is not None)
    assume(not (base.division_code.startswith(alone) or alone.startswith(base.division_code)))
    text = f"{other}那边说，{''.join(names)}{problem}" if first else f"{''.join(names)}{problem}，另外{other}也有"
    more = place(text, within=HANGZHOU)
    # abstains, or keeps the answer (or falls back to a parent both places share), never more sure
    assert more.division_code is None or (
        base.division_code.startswith(more.division_code) and more.confidence <= base.confidence
    )


# The CLI contract.


def test_locate_file_contract(tmp_path: Path) -> None:
    source = tmp_path / "in.csv"
    source.write_text("\ufeffid,text,other\n1,杭州市余杭区闲林街道五常大道路灯坏了,x\n2,杭州市水务投资发展有限公司乱收费,y\n"
                      "3,温州市鹿城区有人占道,z\n", encoding="utf-8")
    out = tmp_path / "out.csv"
    args = ["locate-file", str(source), "--column", "text", "--within", HANGZHOU, "--out", str(out), "--no-names"]
    result = CliRunner().invoke(address_app, args)
    assert result.exit_code == 0, result.output
    with out.open(encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    assert list(rows[0]) == ["id", "text", "other", "division_code", "confidence", "evidence"]
    assert [r["division_code"] for r in rows] == ["330110011", "", ""]
    assert rows[0]["evidence"] == "余杭区|闲林街道"
    assert float(rows[0]["confidence"]) > 0.9
    assert rows[2]["evidence"].startswith("abstain: outside")
