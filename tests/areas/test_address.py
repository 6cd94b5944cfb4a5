"""Address standardiser: levels, details, ambiguity, typos, anonymised text, geocoding and CLI."""

from __future__ import annotations

import csv
import json
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from cityloop.areas.addresses.cli import OUTPUT_COLUMNS, address_app
from cityloop.areas.addresses.standardizer import standardize
from cityloop.areas.addresses.table import AddressRecord, AddressTable


def test_full_address_with_repeated_segments() -> None:
    result = standardize("浙江省杭州市余杭区杭州市余杭区闲林街道五常大道翡翠城竹苑")
    assert (result.province, result.city, result.district, result.town) == (
        "浙江省",
        "杭州市",
        "余杭区",
        "闲林街道",
    )
    assert result.road == "五常大道"
    assert result.division_code == "330110011000"
    assert result.reason is None
    assert result.confidence > 0.9


def test_abbreviations_resolve_to_canonical_names() -> None:
    result = standardize("浙江湖州安吉递铺镇九州昌硕广场15栋114号")
    assert (result.city, result.district, result.town) == ("湖州市", "安吉县", "递铺街道")
    assert result.building == "15"


def test_dashed_building_unit_room() -> None:
    result = standardize("浙江省杭州市滨江区缤纷北苑47-6-746")
    assert (result.district, result.poi) == ("滨江区", "缤纷北苑")
    assert (result.building, result.unit, result.room) == ("47", "6", "746")


def test_road_and_number() -> None:
    result = standardize("北京市朝阳区建国路88号")
    assert (result.province, result.city, result.district) == ("北京市", "北京市", "朝阳区")
    assert (result.road, result.number) == ("建国路", "88号")


def test_parent_context_disambiguates() -> None:
    assert standardize("吉林省长春市朝阳区").division_code == "220104000000"
    assert standardize("北京朝阳区").division_code == "110105000000"


def test_ambiguous_name_says_so_and_within_hint_decides() -> None:
    alone = standardize("龙山镇海丰北路602号")
    assert alone.town == "龙山镇"
    assert alone.reason is not None
    assert "ambiguous" in alone.reason
    hinted = standardize("龙山镇海丰北路602号", within="33")
    assert hinted.division_code is not None
    assert hinted.division_code.startswith("33")


def test_former_district_resolves_to_successor() -> None:
    result = standardize("杭州市江干区九堡镇九环路")
    assert (result.district, result.town) == ("上城区", "九堡街道")


def test_typo_fixed_by_fuzzy_match() -> None:
    result = standardize("浙江省杭州市佘杭区文一西路")
    assert result.district == "余杭区"
    assert result.reason is not None
    assert "fuzzy" in result.reason


def test_anonymised_names_are_kept_but_unresolved() -> None:
    result = standardize("A市A3区魏家坡巷")
    assert (result.city, result.district, result.division_code) == ("A市", "A3区", None)
    assert result.reason is not None
    assert "anonymised" in result.reason


def test_unresolved_text_has_low_confidence_and_reason() -> None:
    result = standardize("门口左转第三家")
    assert result.division_code is None
    assert result.confidence < 0.2
    assert result.reason == "no division name found"


def test_road_name_starting_with_a_town_alias_is_not_a_town() -> None:
    assert standardize("五常大道181号").town is None


def test_short_alias_before_a_road_does_not_resolve_alone() -> None:
    # 盈丰 is a town of 萧山区, but 盈丰路 alone is a road anywhere
    assert standardize("盈丰路与鸿宁路交叉口望京空间艺术中心").division_code is None


def test_short_alias_before_a_road_counts_under_a_named_district() -> None:
    result = standardize("浙江省绍兴市上虞区百官路东工业园区双清路122号")
    assert (result.district, result.town) == ("上虞区", "百官街道")
    assert result.road == "百官路"


def test_repeated_name_is_not_extra_evidence() -> None:
    # 西岸 twice (西岸村, 西岸路) must not outweigh the full town name written first
    assert standardize("柳市镇西岸村西岸路202号").town == "柳市镇"


def test_town_named_by_former_parent_district() -> None:
    # 临平区 (2021) is named after 临平街道; older text writes it under 余杭区
    result = standardize("浙江省杭州市余杭区临平五洲路186号")
    assert (result.district, result.town) == ("临平区", "临平街道")


def test_bare_eponymous_alias_under_current_district_stays_district() -> None:
    assert standardize("绍兴柯桥轻纺市场东区九楼中54号").district == "柯桥区"
    assert standardize("绍兴柯桥轻纺市场东区九楼中54号").town is None


def test_bare_alias_yields_to_a_full_name_inside_it() -> None:
    # leftmost-longest would read 三门海 (a town in 广西) and lose 海游街道
    result = standardize("三门海游街道坦头巷202号")
    assert (result.district, result.town) == ("三门县", "海游街道")


def test_company_name_with_china_is_not_a_pasted_address() -> None:
    result = standardize("浙江省温州市乐清市柳市镇柳江路5号民熔中国浙江仓库")
    assert (result.district, result.town) == ("乐清市", "柳市镇")


def test_pasted_second_address_after_a_province_wins() -> None:
    result = standardize("江苏省徐州市新沂市浙江省昌化镇东塔街173号")
    assert (result.province, result.district, result.town) == ("浙江省", "临安区", "昌化镇")


def test_second_province_without_a_town_keeps_the_first_address() -> None:
    assert standardize("浙江省杭州市萧山区浙江省杭州市").district == "萧山区"


def test_county_typo_under_province_without_city() -> None:
    result = standardize("浙江省乐青市南岳镇")
    assert result.district == "乐清市"
    assert result.reason is not None
    assert "fuzzy" in result.reason


@settings(max_examples=150, deadline=None)
@given(st.text(max_size=40))
def test_never_raises_and_confidence_is_bounded(text: str) -> None:
    result = standardize(text)
    assert 0.0 <= result.confidence <= 1.0


_FULL_WIDTH_DIGITS = str.maketrans("0123456789-", "０１２３４５６７８９－")


@settings(max_examples=60, deadline=None)
@given(
    st.sampled_from(["浙江省杭州市西湖区", "宁波市江北区", "温州鹿城区", "上海市浦东新区"]),
    st.sampled_from(["文三路", "中山路", "人民大道"]),
    st.integers(min_value=1, max_value=9999),
    st.booleans(),
)
def test_stable_under_full_width_digits_and_spaces(prefix: str, road: str, number: int, spaced: bool) -> None:
    half = f"{prefix}{road}{number}号"
    gap = "\u3000" if spaced else ""
    full = f"{prefix}{gap}{road}{str(number).translate(_FULL_WIDTH_DIGITS)}号"
    a, b = standardize(half), standardize(full)
    assert (a.district, a.road, a.number, a.division_code) == (b.district, b.road, b.number, b.division_code)


def _table() -> AddressTable:
    return AddressTable(
        [
            AddressRecord("浙江省杭州市西湖区文三路90号", 120.13, 30.28, "330106001001", None),
            AddressRecord("浙江省杭州市西湖区文二路10号", 120.14, 30.29, "330106001002", None),
            AddressRecord("浙江省宁波市江北区文三路90号", 121.55, 29.89, "330205001001", None),
        ]
    )


def test_address_table_geocodes_within_the_division() -> None:
    result = standardize("杭州西湖区文三路９０号", table=_table())
    assert (result.lng, result.lat, result.grid_code) == (120.13, 30.28, "330106001001")


def test_address_table_no_match_leaves_point_empty() -> None:
    table = _table()
    assert len(table) == 3
    assert standardize("杭州市西湖区天目山路500号", table=table).lng is None
    assert table.match(standardize("上海市浦东新区文三路90号")) is None


runner = CliRunner()


def test_cli_standardize_prints_json() -> None:
    outcome = runner.invoke(address_app, ["standardize", "浙江省杭州市滨江区滨康路1037号"])
    assert outcome.exit_code == 0, outcome.output
    data = json.loads(outcome.output)
    assert (data["district"], data["road"], data["number"]) == ("滨江区", "滨康路", "1037号")


def test_cli_standardize_file_keeps_columns(tmp_path: Path) -> None:
    source = tmp_path / "in.csv"
    source.write_text("id,addr\n1,浙江省杭州市滨江区滨康路1037号\n2,门口左转\n", encoding="utf-8-sig")
    target = tmp_path / "out.csv"
    outcome = runner.invoke(
        address_app, ["standardize-file", str(source), "--column", "addr", "--out", str(target)]
    )
    assert outcome.exit_code == 0, outcome.output
    with target.open(encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    assert list(rows[0]) == ["id", "addr", *OUTPUT_COLUMNS]
    assert (rows[0]["id"], rows[0]["district"], rows[0]["division_code"]) == ("1", "滨江区", "330108000000")
    assert rows[1]["division_code"] == ""


def test_cli_standardize_file_unknown_column(tmp_path: Path) -> None:
    source = tmp_path / "in.csv"
    source.write_text("id,addr\n1,杭州\n", encoding="utf-8")
    outcome = runner.invoke(
        address_app, ["standardize-file", str(source), "--column", "nope", "--out", str(tmp_path / "o.csv")]
    )
    assert outcome.exit_code != 0
