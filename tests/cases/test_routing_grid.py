"""Routing by grid: a grid-level rule goes to the area office of the grid's street, else to the next level."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy.orm import Session

from builders import DISTRICT, OTHER_DISTRICT, World, file_case
from cityloop.cases import routing
from cityloop.cases.taxonomy import COLUMNS, active_version_id, export_rows, import_taxonomy

GRID_TAXONOMY = ",".join(COLUMNS) + """
05,网格事项,0501,网格巡查,050101,楼道堆物,堆物,网格,street_office,,2,wh,5,wd,C,
05,网格事项,0501,网格巡查,050101,楼道堆物,堆物,district,chengguan,,2,wh,7,wd,C,
"""
GRID = "3301060010010001"  # street 330106001 (北山街道), community 001, grid 0001
OTHER_GRID = "3301050010010001"  # street 330105001 has no street office


def _grid_taxonomy(db: Session, tmp_path: Path) -> int:
    path = tmp_path / "grid_taxonomy.csv"
    path.write_text(GRID_TAXONOMY, encoding="utf-8")
    version = import_taxonomy(db, path, "grid")
    db.commit()
    return version.id


def test_grid_rule_routes_to_the_street_office_of_the_grid(db: Session, world: World, tmp_path: Path) -> None:
    _grid_taxonomy(db, tmp_path)
    case = file_case(db, world.subjects["agent"], category_code="050101",
                     location={"division_code": DISTRICT, "grid_code": GRID})
    assert case.grid_code == GRID
    assert case.unit_id == world.units["street"].id
    assert case.handle_limit == 5


def test_without_a_grid_the_next_level_rule_applies(db: Session, world: World, tmp_path: Path) -> None:
    version_id = _grid_taxonomy(db, tmp_path)
    case = file_case(db, world.subjects["agent"], category_code="050101", location={"division_code": DISTRICT})
    assert case.unit_id == world.units["chengguan"].id
    assert case.handle_limit == 7
    plain = routing.route(db, version_id, "050101", DISTRICT, "complain")
    assert plain.unit_id == world.units["chengguan"].id


def test_grid_without_a_street_office_falls_back(db: Session, world: World, tmp_path: Path) -> None:
    version_id = _grid_taxonomy(db, tmp_path)
    route = routing.route(db, version_id, "050101", OTHER_DISTRICT, "complain", grid_code=OTHER_GRID)
    assert route.unit_id == world.units["other_cg"].id


def test_grid_level_round_trips_through_export(db: Session, world: World, tmp_path: Path) -> None:
    _grid_taxonomy(db, tmp_path)
    version_id = active_version_id(db)
    assert version_id is not None
    levels = {r["area_level"] for r in export_rows(db, version_id)}
    assert levels == {"grid", "district"}
