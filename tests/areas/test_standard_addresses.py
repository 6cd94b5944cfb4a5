"""Standard-address table: import, linking elements to addresses and buildings, intake geocoding, suggestions."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from element_fixtures import (
    A1,
    A2,
    ADMIN,
    IN_A1,
    IN_A2,
    IN_C1,
    OTHER_USER,
    STREET_USER,
    add_communities,
    add_grids,
    table,
)
from grid_fixtures import COMMUNITY_A, add_divisions
from sqlalchemy import select
from sqlalchemy.orm import Session

from cityloop.areas.addresses import locate
from cityloop.areas.addresses import standard as standard_addresses
from cityloop.areas.elements import service as elements
from cityloop.areas.elements.models import Building, ElementKind, Person, StandardAddress
from cityloop.cases.intake import Placement
from cityloop.cases.schemas import CaseIn
from cityloop.kit.errors import ValidationFailed

HEADER = ["标准地址", "经度", "纬度"]
TEN, TWELVE = "浙江省杭州市西湖区北山街道保俶路10号", "浙江省杭州市西湖区北山街道保俶路12号3幢"


@pytest.fixture
def city(db: Session) -> Iterator[Session]:
    """Fixture divisions and grids, two standard addresses, and the table offered to the intake locator."""
    add_divisions(db)
    add_grids(db)
    elements.import_file(db, ADMIN, ElementKind.ADDRESSES, table(HEADER, [TEN, *IN_A1], [TWELVE, *IN_A2]), "a.csv")
    standard_addresses.register()
    yield db
    standard_addresses.unregister()


def _case(address: str, **location: Any) -> CaseIn:
    return CaseIn.model_validate({"channel": "hotline", "appeal_type": "complain", "title": "井盖缺失",
                                  "content": "路口井盖不见了", "location": {"address": address, **location}})


def test_import_parses_places_and_names_the_community(city: Session) -> None:
    rows = {a.text: a for a in city.scalars(select(StandardAddress))}
    ten = rows[TEN]
    assert (ten.road, ten.number, ten.district, ten.town) == ("保俶路", "10号", "西湖区", "北山街道")
    assert (ten.grid_code, ten.division_code, ten.community) == (A1, COMMUNITY_A, "甲社区")
    assert rows[TWELVE].building == "3"


def test_import_reports_bad_rows_by_line(city: Session) -> None:
    with pytest.raises(ValidationFailed) as caught:
        elements.import_file(city, ADMIN, ElementKind.ADDRESSES,
                             table(HEADER, ["浙江省杭州市西湖区北山街道保俶路20号", *IN_A1], [TEN, *IN_A1],
                                   ["浙江省杭州市西湖区北山街道保俶路22号", "", ""], ["", *IN_A1]), "a.csv")
    rows = {r["line"]: r["errors"][0]["field"] for r in caught.value.details["rows"]}
    assert rows == {3: "text", 4: "lng", 5: "text"}
    assert len(list(city.scalars(select(StandardAddress)))) == 2


def test_elements_link_to_their_standard_address_and_building(city: Session) -> None:
    building = elements.import_file(city, ADMIN, ElementKind.BUILDINGS,
                                    table(["名称", "地址"], ["保俶路10号楼", "西湖区保俶路10号"]), "b.csv").created[0]
    stored = city.scalars(select(Building)).one()
    assert (stored.grid_code, stored.division_code, stored.lng) == (A1, COMMUNITY_A, IN_A1[0])
    address = city.scalars(select(StandardAddress).where(StandardAddress.text == TEN)).one()
    assert (stored.address_id, address.building_code) == (address.id, building)
    person = elements.import_file(city, ADMIN, ElementKind.PEOPLE,
                                  table(["姓名", "地址"], ["张三", "杭州市西湖区保俶路10号"]), "p.csv").created[0]
    assert person[15:26] == building[15:26]  # the resident's code carries the building number
    assert city.scalars(select(Person)).one().grid_code == A1


def test_intake_with_only_an_address_gets_the_grid_of_the_matching_standard_address(city: Session) -> None:
    locate.register()
    assert locate.locate(city, _case("西湖区保俶路12号3幢")) == Placement(COMMUNITY_A, A2, *IN_A2)
    assert locate.locate(city, _case("杭州市西湖区保俶路10号")) == Placement(COMMUNITY_A, A1, *IN_A1)
    # No standard address matches: the standardiser still gives the division, but there is no point or grid.
    assert locate.locate(city, _case("杭州市西湖区保俶路99号")) == Placement("330106", None, None, None)


def test_intake_files_the_case_in_the_grid(db: Session, world: Any) -> None:
    from builders import file_case

    add_communities(db)
    add_grids(db)
    elements.import_file(db, ADMIN, ElementKind.ADDRESSES, table(HEADER, [TWELVE, *IN_A2]), "a.csv")
    locate.register()
    standard_addresses.register()
    try:
        case = file_case(db, world.subjects["agent"], location={"address": "西湖区保俶路12号3幢"})
        located = file_case(db, world.subjects["agent"], location={"address": "西湖区保俶路12号", "lng": 120.131,
                                                                   "lat": 30.262})
    finally:
        standard_addresses.unregister()
    assert (case.division_code, case.grid_code) == (COMMUNITY_A, A2)
    # The geocoded point is kept so the case shows on the map; a point the caller gave is never replaced.
    assert (case.lng, case.lat, case.suggestions.get("geocoded")) == (*IN_A2, True)
    assert (located.lng, located.lat, located.suggestions.get("geocoded")) == (120.131, 30.262, None)


def test_an_import_refreshes_the_cached_table(city: Session) -> None:
    assert locate.locate(city, _case("西湖区曙光路5号"))[1] is None
    elements.import_file(city, ADMIN, ElementKind.ADDRESSES,
                         table(HEADER, ["浙江省杭州市西湖区北山街道曙光路5号", *IN_A2]), "a.csv")
    assert locate.locate(city, _case("西湖区曙光路5号"))[:2] == (COMMUNITY_A, A2)


def test_search_suggests_addresses_by_area(city: Session) -> None:
    elements.import_file(city, ADMIN, ElementKind.ADDRESSES,
                         table(HEADER, ["浙江省杭州市拱墅区米市巷街道湖墅南路1号", *IN_C1]), "a.csv")
    staff = standard_addresses.search(city, STREET_USER, "保俶路 10")
    assert [(s["text"], s["grid_code"]) for s in staff] == [(TEN, A1)]
    assert standard_addresses.search(city, OTHER_USER, "保俶路") == []
    assert [s["text"] for s in standard_addresses.search(city, OTHER_USER, "湖墅")] == [
        "浙江省杭州市拱墅区米市巷街道湖墅南路1号"]
    public = standard_addresses.search(city, None, "保俶路")
    assert public == [{"text": TEN, "division_code": COMMUNITY_A}, {"text": TWELVE, "division_code": COMMUNITY_A}]
    assert standard_addresses.search(city, None, "保") == []
