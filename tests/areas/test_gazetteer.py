"""Gazetteer: package data loads, canonical names, aliases and leftmost-longest scanning."""

from __future__ import annotations

import pytest

from cityloop.areas.divisions.gazetteer import (
    CITY,
    DISTRICT,
    FORMER,
    FULL,
    PROVINCE,
    SHORT,
    TOWN,
    core_name,
    gazetteer,
    normalize,
    scan,
)


def test_package_data_has_every_level() -> None:
    gaz = gazetteer()
    assert len(gaz.by_level[PROVINCE]) == 31
    assert len(gaz.by_level[CITY]) > 300
    assert len(gaz.by_level[DISTRICT]) > 2900
    assert len(gaz.by_level[TOWN]) > 40000


def test_chain_and_twelve_digit_code() -> None:
    town = gazetteer().divisions["330110011"]
    assert town.name == "闲林街道"
    assert town.chain == ("33", "3301", "330110", "330110011")
    assert town.code12 == "330110011000"


@pytest.mark.parametrize(
    ("name", "level", "core"),
    [
        ("浙江省", PROVINCE, "浙江"),
        ("广西壮族自治区", PROVINCE, "广西"),
        ("恩施土家族苗族自治州", CITY, "恩施"),
        ("余杭区", DISTRICT, "余杭"),
        ("闲林街道", TOWN, "闲林"),
        ("赵县", DISTRICT, "赵县"),  # a one-character core keeps its suffix
    ],
)
def test_core_name(name: str, level: int, core: str) -> None:
    assert core_name(name, level) == core


def test_municipality_placeholder_city_shows_the_municipality() -> None:
    gaz = gazetteer()
    assert gaz.divisions["1101"].name == "市辖区"
    assert gaz.display_name("1101") == "北京市"
    assert {hit.code for hit in gaz.lookup("北京市")} == {"11", "1101"}


def test_aliases_carry_their_kind() -> None:
    gaz = gazetteer()
    assert {(h.code, h.kind) for h in gaz.lookup("闲林街道")} == {("330110011", FULL)}
    assert ("330110", SHORT) in {(h.code, h.kind) for h in gaz.lookup("余杭")}
    assert {h.kind for h in gaz.lookup("江干区")} == {FORMER}
    assert gaz.lookup("工业园区") == ()  # repeated non-place township names are not scanned for


def test_is_alias_accepts_suffix_variants_and_former_names() -> None:
    gaz = gazetteer()
    assert gaz.is_alias("九堡镇", "330102018")
    assert gaz.is_alias("江干区", "330102")
    assert gaz.is_alias("浙江", "33")
    assert not gaz.is_alias("西湖区", "330110")


def test_codes_by_level_from_twelve_digits() -> None:
    assert gazetteer().codes_by_level("330110011000") == {
        PROVINCE: "33",
        CITY: "3301",
        DISTRICT: "330110",
        TOWN: "330110011",
    }
    assert gazetteer().codes_by_level(None) == {}


def test_scan_is_leftmost_longest() -> None:
    spans = [(s, e) for s, e, _ in scan(gazetteer(), "浙江省杭州市余杭区闲林街道")]
    assert spans == [(0, 3), (3, 6), (6, 9), (9, 13)]


def test_normalize_folds_full_width_and_spaces() -> None:
    assert normalize("杭州市 余杭区　１２３号Ａ") == "杭州市余杭区123号A"


def test_scan_splits_a_bare_alias_overtaken_by_a_full_name() -> None:
    gaz = gazetteer()
    text = "三门海游街道"
    assert [text[s:e] for s, e, _ in scan(gaz, text)] == ["三门", "海游街道"]


def test_scan_keeps_a_bare_alias_when_the_split_leaves_no_name() -> None:
    gaz = gazetteer()
    text = "柯桥东区"  # 桥东区 is a district elsewhere, but 柯 alone names nothing
    assert [text[s:e] for s, e, _ in scan(gaz, text)][0] == "柯桥"
