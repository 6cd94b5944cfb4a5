"""Placement with the database: intake places text-only cases, names are learned from verified cases and registries."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from element_fixtures import ADMIN, add_grids, table
from grid_fixtures import add_divisions
from sqlalchemy.orm import Session

from builders import OTHER_DISTRICT, STREET, file_case
from cityloop.areas.elements import service as elements
from cityloop.areas.elements.models import ElementKind
from cityloop.areas.placement import learning
from cityloop.areas.placement import locate as placement_locate
from cityloop.areas.placement.service import place
from cityloop.cases import intake
from cityloop.cases.schemas import ActionIn
from cityloop.cases.workflow import perform

TEXT_ONLY = {"location": {}, "category_code": "010101"}


@pytest.fixture(autouse=True)
def text_placement() -> Iterator[None]:
    """The text locator plugged into intake for these tests only."""
    placement_locate.register()
    yield
    intake.locators.remove(placement_locate.place_text)


def _close(db: Session, world, case_id: int) -> None:  # type: ignore[no-untyped-def]
    """Drive a street-office case to closed, verified on site by the dispatcher."""
    steps = [("street_handler", "sign", {}), ("street_handler", "complete", {"reply": "已处理完毕，现场已清理。"}),
             ("dispatcher", "verify", {"passed": True}), ("agent", "revisit", {"satisfaction": "satisfied"}),
             ("dispatcher", "close", {})]
    for who, action, body in steps:
        perform(db, world.subjects[who], case_id, action, ActionIn.model_validate(body))


def test_intake_places_a_text_only_case_and_keeps_the_evidence(db: Session, world) -> None:  # type: ignore[no-untyped-def]
    case = file_case(db, world.subjects["agent"], title="路灯不亮", content="杭州市西湖区北山街道有一排路灯不亮。",
                     **TEXT_ONLY)
    assert case.division_code == "330106002"  # 北山街道 in the national list
    placed = case.suggestions["placement"]
    assert placed["applied"] is True
    assert placed["division_name"] == "北山街道"
    assert list(placed["evidence"]) == ["西湖区", "北山街道"]
    assert placed["confidence"] > 0.9


def test_intake_keeps_the_city_when_the_text_disagrees(db: Session, world) -> None:  # type: ignore[no-untyped-def]
    case = file_case(db, world.subjects["agent"], title="垃圾无人清运",
                     content="西湖区和拱墅区交界处的垃圾没人管，杭州市城管局也不管。", **TEXT_ONLY)
    assert case.division_code == "3301"
    placed = case.suggestions["placement"]
    assert placed["applied"] is False
    assert placed["reason"].startswith("conflicting")


def test_a_given_division_is_never_overridden_by_text(db: Session, world) -> None:  # type: ignore[no-untyped-def]
    case = file_case(db, world.subjects["agent"], content="拱墅区米市巷那边也有人占道。")
    assert case.division_code == STREET
    assert "placement" not in case.suggestions


def test_names_are_learned_from_verified_cases_of_one_division(db: Session, world) -> None:  # type: ignore[no-untyped-def]
    for _ in range(3):
        case = file_case(db, world.subjects["agent"], content="天目山路上有人占道经营，影响通行。")
        _close(db, world, case.id)
    read, kept = learning.learn(db, min_cases=3)
    assert read == 3
    assert kept > 0
    lexicon = learning.lexicon_for(db)
    result = place("天目山路有人摆摊", within="3301", lexicon=lexicon)
    assert (result.division_code, result.evidence) == (STREET, ("天目山路",))


def test_a_name_confirmed_in_two_divisions_stays_ambiguous(db: Session, world) -> None:  # type: ignore[no-untyped-def]
    for division in (STREET, STREET, STREET, OTHER_DISTRICT):
        case = file_case(db, world.subjects["agent"], content="上塘河边有人乱倒垃圾。",
                         location={"division_code": division})
        if division == STREET:
            _close(db, world, case.id)
    learning.learn(db, min_cases=3)
    assert place("上塘河边有人乱倒垃圾", within="3301", lexicon=learning.lexicon_for(db)).division_code == STREET
    other = file_case(db, world.subjects["agent"], content="上塘河边有人乱倒垃圾。",
                      location={"division_code": OTHER_DISTRICT}, category_code="010201")
    perform(db, world.subjects["other_handler"], other.id, "sign", ActionIn.model_validate({}))
    for who, action, body in [("other_handler", "complete", {"reply": "已清理完毕，恢复整洁。"}),
                              ("dispatcher", "verify", {"passed": True}),
                              ("agent", "revisit", {"satisfaction": "satisfied"}), ("dispatcher", "close", {})]:
        perform(db, world.subjects[who], other.id, action, ActionIn.model_validate(body))
    learning.learn(db, min_cases=3)
    result = place("上塘河边有人乱倒垃圾", within="3301", lexicon=learning.lexicon_for(db))
    assert result.division_code is None
    assert "上塘河(ambiguous)" in result.ignored


def test_cases_placed_from_their_own_text_are_not_learned_from(db: Session, world) -> None:  # type: ignore[no-untyped-def]
    for _ in range(3):
        case = file_case(db, world.subjects["agent"], title="占道经营", content="北山街道天目山路有人占道经营。",
                         **TEXT_ONLY)
        assert case.suggestions["placement"]["applied"] is True
    assert learning.learn(db, min_cases=1) == (0, 0)


def test_registry_roads_are_names(db: Session) -> None:
    add_divisions(db)
    add_grids(db)
    rows = [[f"浙江省杭州市西湖区北山街道保俶路{i}号", 120.101 + 0.001 * i, 30.205] for i in range(1, 4)]
    elements.import_file(db, ADMIN, ElementKind.ADDRESSES, table(["标准地址", "经度", "纬度"], *rows), "a.csv")
    result = place("保俶路有井盖缺失", within="3301", lexicon=learning.lexicon_for(db))
    assert result.division_code is not None
    assert result.division_code.startswith("330106")
    assert result.evidence == ("保俶路",)


def test_a_text_lead_outside_the_filers_area_never_blocks_filing(db: Session, world) -> None:  # type: ignore[no-untyped-def]
    case = file_case(db, world.subjects["other_dispatcher"], title="路灯不亮", content="西湖区北山街道路灯不亮。",
                     **TEXT_ONLY)
    assert case.division_code == "3301"
    assert case.suggestions["placement"]["applied"] is False
    assert case.suggestions["placement"]["reason"] == "outside the filer's area"
