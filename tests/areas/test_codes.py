"""Unified 36-digit element codes."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from cityloop.areas.elements import codes
from cityloop.areas.elements.codes import CodeAllocator, ElementClass


def test_allocated_codes_have_the_four_fields_and_are_valid() -> None:
    code = CodeAllocator().allocate("330106001001", ElementClass.MUNICIPAL, subclass=101)
    assert len(code) == 36
    assert codes.is_valid(code)
    parsed = codes.parse(code)
    assert parsed.admin == "330106001001000"
    assert parsed.building == "0" * 11
    assert parsed.klass == "30101"
    assert parsed.sequence == 1
    assert parsed.element_class is ElementClass.MUNICIPAL
    assert str(parsed) == code
    assert parsed.division_code == "330106001001"


def test_seven_classes_with_labels() -> None:
    assert [codes.CLASS_LABELS[c][0] for c in ElementClass] == [
        "境界与政区", "建筑房屋", "市政设施", "道路交通", "物联传感", "管线", "水系"]


@pytest.mark.parametrize(("code", "why"), [
    ("1" * 35, "36 digits"), ("33010600100100000000000000030101000a", "36 digits"),
    ("330106001001000" + "0" * 11 + "80101" + "00001", "unknown element class"),
    ("330106001001000" + "0" * 11 + "30101" + "00000", "sequence"),
    ("000000000000000" + "0" * 11 + "30101" + "00001", "county"),
])
def test_validator_explains_bad_codes(code: str, why: str) -> None:
    assert any(why in p for p in codes.problems(code))


@given(n=st.integers(1, 300), moves=st.lists(st.integers(0, 299), max_size=20))
def test_codes_are_unique_and_do_not_change_when_elements_move_grid(n: int, moves: list[int]) -> None:
    allocator = CodeAllocator()
    elements = [{"code": allocator.allocate("330106001001", ElementClass.IOT, 1), "grid": "3301060010010001"}
                for _ in range(n)]
    before = [e["code"] for e in elements]
    for i in moves:
        elements[i % n]["grid"] = "3301060010010002"  # merge/split moved it: the code does not embed the grid
    assert [e["code"] for e in elements] == before
    assert codes.duplicates(before) == []


def test_allocator_continues_after_existing_codes() -> None:
    first = CodeAllocator().allocate("330106", ElementClass.BUILDING, building="00000000042")
    assert CodeAllocator([first]).allocate("330106", ElementClass.BUILDING, building="00000000042").endswith("00002")
    assert codes.duplicates([first, first]) == [first]
    with pytest.raises(ValueError, match="division"):
        codes.admin_unit("33010")
