"""Element import (row-level errors, all-or-nothing, keep_good), placement, unified codes, moves and scoping."""

from __future__ import annotations

import ast
import io
from pathlib import Path

import pytest
from element_fixtures import (
    A1,
    A2,
    ADMIN,
    B1,
    C1,
    CC_1,
    CITIZEN,
    COMMUNITY_C,
    ID_1,
    ID_2,
    IN_A1,
    IN_A2,
    IN_B1,
    IN_C1,
    OTHER_USER,
    STREET_USER,
    add_grids,
    table,
)
from grid_fixtures import COMMUNITY_A, STREET, add_divisions
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from cityloop.areas.elements import codes
from cityloop.areas.elements import repository as repo
from cityloop.areas.elements import service as elements
from cityloop.areas.elements.models import Building, Component, ElementKind, KeyPlace, LegalEntity, Person
from cityloop.areas.elements.rows import read_table
from cityloop.areas.grids import service as grids
from cityloop.kit.auth import SYSTEM
from cityloop.kit.crypto import decrypt
from cityloop.kit.errors import Forbidden, ValidationFailed

BUILDINGS = ["名称", "经度", "纬度", "层数", "用途"]


@pytest.fixture
def city(db: Session) -> Session:
    """Fixture divisions with grids in communities A, B and C."""
    add_divisions(db)
    add_grids(db)
    return db


def _count(session: Session, model: type) -> int:
    return int(session.scalar(repo.scope_elements(select(func.count()).select_from(model), model, SYSTEM)) or 0)


def _import(session: Session, kind: ElementKind, data: bytes, keep_good: bool = False,
            filename: str = "f.csv") -> elements.ImportReport:
    return elements.import_file(session, ADMIN, kind, data, filename, keep_good)


def test_import_places_rows_in_grids_and_allocates_valid_codes(city: Session) -> None:
    data = table(BUILDINGS, ["1号楼", *IN_A1, 6, "住宅"], ["2号楼", *IN_A2, 18, "office"], ["3号楼", *IN_C1, "", ""])
    report = _import(city, ElementKind.BUILDINGS, data)
    assert report.errors == []
    assert len(report.created) == 3
    assert all(codes.is_valid(c) for c in report.created)
    rows = {b.name: b for b in city.scalars(select(Building))}
    assert (rows["1号楼"].grid_code, rows["1号楼"].division_code, rows["1号楼"].use) == (A1, COMMUNITY_A, "residential")
    assert (rows["3号楼"].grid_code, rows["3号楼"].division_code) == (C1, COMMUNITY_C)
    # Each building gets its own 11-digit building number in its admin unit.
    assert rows["1号楼"].code[15:26] != rows["2号楼"].code[15:26]
    assert codes.parse(rows["1号楼"].code).division_code == COMMUNITY_A


def test_bad_rows_are_reported_by_line_and_nothing_is_written(city: Session) -> None:
    data = table(BUILDINGS, ["好楼", *IN_A1, 6, "住宅"], ["", *IN_A1, 6, ""], ["坏楼", "x", "30.2", "", ""],
                 [], ["远楼", 100.0, 10.0, "", ""], ["怪楼", *IN_A2, "999", "城堡"])
    with pytest.raises(ValidationFailed) as caught:
        _import(city, ElementKind.BUILDINGS, data)
    rows = {r["line"]: r["errors"] for r in caught.value.details["rows"]}
    # Line 1 is the header; the blank line 5 keeps its number.
    assert sorted(rows) == [3, 4, 6, 7]
    assert rows[3][0]["field"] == "name"
    assert rows[3][0]["zh"]
    assert rows[3][0]["en"]
    assert rows[4][0]["field"] == "lng"
    assert rows[6][0]["field"] == "location"  # a point in no grid and nothing else to go by
    assert {e["field"] for e in rows[7]} == {"floors", "use"}
    assert "line 7" in caught.value.details["fields"]
    assert _count(city, Building) == 0


def test_keep_good_imports_the_good_rows_and_reports_the_rest(city: Session) -> None:
    data = table(BUILDINGS, ["好楼", *IN_A1, 6, "住宅"], ["", *IN_A1, 6, ""])
    report = _import(city, ElementKind.BUILDINGS, data, keep_good=True)
    assert len(report.created) == 1
    assert [e.line for e in report.errors] == [3]
    assert report.to_dict()["errors"][0]["errors"][0]["field"] == "name"
    assert _count(city, Building) == 1


def test_given_codes_are_validated_and_unique(city: Session) -> None:
    good = codes.CodeAllocator().allocate(COMMUNITY_A, codes.ElementClass.MUNICIPAL, 101)
    wrong_class = codes.CodeAllocator().allocate(COMMUNITY_A, codes.ElementClass.WATER, 101)
    header = ["要素编码", "部件类型", "经度", "纬度"]
    _import(city, ElementKind.COMPONENTS, table(header, [good, "井盖", *IN_A1]))
    with pytest.raises(ValidationFailed) as caught:
        _import(city, ElementKind.COMPONENTS, table(header, [good, "井盖", *IN_A1], ["123", "井盖", *IN_A1],
                                                    [wrong_class, "井盖", *IN_A1]))
    rows = {r["line"]: r["errors"][0] for r in caught.value.details["rows"]}
    assert rows[2]["en"] == "already registered"
    assert rows[3]["field"] == "code"
    assert "class" in rows[4]["en"]
    lamp = codes.CodeAllocator().allocate(COMMUNITY_A, codes.ElementClass.MUNICIPAL, 201)
    with pytest.raises(ValidationFailed) as caught:
        _import(city, ElementKind.COMPONENTS, table(header, ["", "路灯", *IN_A1], [lamp, "路灯", *IN_A2],
                                                    [lamp, "路灯", *IN_A2]))
    assert [r["line"] for r in caught.value.details["rows"]] == [4]
    assert "line 3" in caught.value.details["rows"][0]["errors"][0]["en"]


def test_components_take_class_from_subtype(city: Session) -> None:
    data = table(["部件类型", "部件类别", "状态", "经度", "纬度"], ["井盖", "", "损坏", *IN_A1],
                 ["路灯", "", "", *IN_A1], ["消火栓", "", "", *IN_B1], ["告示牌", "道路交通", "", *IN_A2],
                 ["未知物", "", "", *IN_A2], ["井盖", "7", "", *IN_A2])
    report = _import(city, ElementKind.COMPONENTS, data, keep_good=True)
    assert [e.line for e in report.errors] == [6, 7]
    by_subtype = {c.subtype: c for c in city.scalars(select(Component))}
    assert (by_subtype["井盖"].element_class, by_subtype["井盖"].status) == (3, "damaged")
    assert by_subtype["井盖"].code[26:31] == "30101"
    assert by_subtype["告示牌"].element_class == 4


def test_people_are_encrypted_deduplicated_and_derive_birth_data(city: Session) -> None:
    header = ["姓名", "电话", "身份证号", "标签", "经度", "纬度"]
    first = ["张三", "13812345678", ID_1, "独居老人、重点人员", *IN_A1]
    report = _import(city, ElementKind.PEOPLE, table(header, first))
    person = city.scalars(select(Person)).one()
    assert person.name != "张三"
    assert decrypt(person.name) == "张三"
    assert decrypt(person.id_number) == ID_1
    assert (person.birth_year, person.gender) == (1990, "m")
    assert person.tags == ["key_person", "lonely_elderly"]
    assert codes.parse(report.created[0]).element_class is codes.ElementClass.BUILDING
    with pytest.raises(ValidationFailed) as caught:
        _import(city, ElementKind.PEOPLE, table(header, ["李四", "", ID_1, "", *IN_A1], ["王五", "", ID_2, "", *IN_A2],
                                                ["赵六", "", ID_2, "", *IN_A2],
                                                ["钱七", "12", "123", "外星人", *IN_A2]))
    rows = {r["line"]: {e["field"] for e in r["errors"]} for r in caught.value.details["rows"]}
    assert rows == {2: {"id_number"}, 4: {"id_number"}, 5: {"phone", "id_number", "tags"}}


def test_entities_check_the_credit_code(city: Session) -> None:
    header = ["名称", "统一社会信用代码", "类型", "经度", "纬度"]
    report = _import(city, ElementKind.ENTITIES, table(header, ["湖畔小馆", CC_1, "个体工商户", *IN_A1],
                                                       ["坏码公司", CC_1[:-1] + "0", "", *IN_A1]), keep_good=True)
    assert [e.line for e in report.errors] == [3]
    assert city.scalars(select(LegalEntity)).one().entity_type == "individual"


def test_xlsx_files_are_read_with_line_numbers() -> None:
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    assert sheet is not None
    for row in (["名称", "层数"], ["A", 3.0], [None, None], ["B", 5]):
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    expected = [(2, {"name": "A", "floors": "3"}), (4, {"name": "B", "floors": "5"})]
    assert read_table(out.getvalue(), "x.xlsx") == expected


def test_unreadable_files_are_a_validation_error(city: Session) -> None:
    with pytest.raises(ValidationFailed):
        _import(city, ElementKind.BUILDINGS, b"PK\x03\x04broken", filename="f.xlsx")
    with pytest.raises(ValidationFailed):
        _import(city, ElementKind.BUILDINGS, table(BUILDINGS))
    with pytest.raises(ValidationFailed):
        _import(city, ElementKind.BUILDINGS, "名称,经度,纬度\n楼\x00,120.105,30.205\n".encode())
    with pytest.raises(ValidationFailed) as caught:
        _import(city, ElementKind.PEOPLE, table(["姓名", "地址", "经度", "纬度"], ["长" * 41, "路" * 201, *IN_A1]))
    assert {e["field"] for e in caught.value.details["rows"][0]["errors"]} == {"name", "address"}


def test_division_from_the_address_when_there_is_no_point(city: Session) -> None:
    data = table(["名称", "场所类型", "地址"], ["保俶小学", "学校", "杭州市西湖区保俶路1号"])
    report = _import(city, ElementKind.PLACES, data)
    place = repo.element_by_code(city, SYSTEM, KeyPlace, report.created[0])
    assert place is not None
    assert (place.division_code, place.grid_code, place.kind) == ("330106", None, "school")


def test_the_code_stays_when_an_element_moves_or_its_grid_is_merged(city: Session) -> None:
    report = _import(city, ElementKind.COMPONENTS, table(["部件类型", "经度", "纬度"], ["井盖", *IN_A1]))
    code = report.created[0]
    moved = elements.move(city, ADMIN, ElementKind.COMPONENTS, code, *IN_A2)
    assert (moved["code"], moved["grid_code"]) == (code, A2)
    merged = grids.merge(city, ADMIN, [A1, A2])  # re-grids the elements of the retired grids
    assert elements.regrid(city, ADMIN, [A1, A2]) == 0
    component = repo.element_by_code(city, ADMIN, Component, code)
    assert component is not None
    assert (component.code, component.grid_code) == (code, merged.code)


def test_imports_and_moves_need_the_right_role_and_area(city: Session) -> None:
    with pytest.raises(Forbidden):
        elements.import_file(city, STREET_USER, ElementKind.BUILDINGS, table(BUILDINGS, ["楼", *IN_A1, 1, ""]), "f.csv")
    street_admin = ADMIN.__class__(id=None, name="sa", roles=ADMIN.roles, scope=STREET)
    report = elements.import_file(city, street_admin, ElementKind.BUILDINGS,
                                  table(BUILDINGS, ["楼", *IN_A1, 1, ""], ["外楼", *IN_C1, 1, ""]), "f.csv", True)
    assert [e.problems[0][2] for e in report.errors] == ["outside your area"]
    with pytest.raises(Forbidden):
        elements.move(city, street_admin, ElementKind.BUILDINGS, report.created[0], *IN_C1)


def test_a_street_user_sees_only_the_street_and_citizens_nothing(city: Session) -> None:
    _import(city, ElementKind.BUILDINGS, table(BUILDINGS, ["甲楼", *IN_A1, 1, ""], ["乙楼", *IN_B1, 1, ""],
                                               ["丙楼", *IN_C1, 1, ""]))
    assert repo.count_in(city, STREET_USER, Building, "3301") == 2
    assert repo.count_in(city, STREET_USER, Building, B1) == 1
    assert repo.count_in(city, OTHER_USER, Building, "3301") == 1
    assert repo.count_in(city, CITIZEN, Building, "3301") == 0
    total, rows = repo.page_in(city, STREET_USER, Building, STREET, 0, 10)
    assert (total, sorted(r.name for r in rows)) == (2, ["乙楼", "甲楼"])


# ------------------------------------------------------------------------------------------------ lint

SRC = Path(__file__).resolve().parents[2] / "src" / "cityloop"
MODELS = {"StandardAddress", "Building", "Person", "LegalEntity", "Component", "KeyPlace", "model"}


def _bypasses(path: Path, root: Path = SRC) -> list[str]:
    """select(...) over an element model that is not the first argument of scope_elements(...)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    wrapped = {id(n) for call in ast.walk(tree) if isinstance(call, ast.Call) and _called(call) == "scope_elements"
               and call.args for n in ast.walk(call.args[0])}
    return sorted(f"{path.relative_to(root)}:{node.lineno}" for node in ast.walk(tree)
            if isinstance(node, ast.Call) and _called(node) in {"select", "get", "query", "update", "delete"}
            and id(node) not in wrapped
            and any(isinstance(n, ast.Name) and n.id in MODELS for a in node.args for n in ast.walk(a)))


def _called(call: ast.Call) -> str:
    return call.func.attr if isinstance(call.func, ast.Attribute) else getattr(call.func, "id", "")


def test_every_query_over_elements_goes_through_scope_elements() -> None:
    paths = [p for p in SRC.rglob("*.py")
             if any(m in p.read_text(encoding="utf-8") for m in ("elements.models", "elements import models"))]
    assert len(paths) > 3
    assert [v for p in paths for v in _bypasses(p)] == []


def test_the_element_lint_catches_a_bypass(tmp_path: Path) -> None:
    probe = tmp_path / "probe.py"
    probe.write_text("def f(s):\n    return s.scalars(select(Person))\n\n"
                     "def g(s, subject):\n    return s.scalars(scope_elements(select(Person), Person, subject))\n\n"
                     "def h(s):\n    return s.get(Building, 1)\n", encoding="utf-8")
    assert _bypasses(probe, tmp_path) == ["probe.py:2", "probe.py:8"]
