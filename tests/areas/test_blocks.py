"""Block data API: counts and lists per division or grid, masking by role, scoping, import and suggestions."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from element_fixtures import (
    A1,
    A2,
    B1,
    C1,
    ID_1,
    ID_2,
    IN_A1,
    IN_A2,
    IN_B1,
    IN_C1,
    add_communities,
    add_grids,
    table,
)
from grid_fixtures import STREET
from sqlalchemy import select
from sqlalchemy.orm import Session

from cityloop.areas.elements import service as elements
from cityloop.areas.elements.models import ElementKind
from cityloop.audit.models import AuditEntry
from cityloop.kit.auth import SYSTEM

PEOPLE = ["姓名", "电话", "身份证号", "标签", "经度", "纬度"]


@pytest.fixture
def client(engine: Any) -> Iterator[Any]:
    """The app with the elements router (mounted here until cityloop.app includes it)."""
    from fastapi.testclient import TestClient

    from cityloop.app import create_app
    from cityloop.areas.elements.routes import router

    app = create_app()
    if not any(getattr(route, "path", "") == "/api/v1/blocks/{code}" for route in app.routes):
        app.include_router(router)
    with TestClient(app) as test_client:
        yield test_client


@pytest.fixture
def blocks_world(db: Session, world: Any) -> Any:
    """The builders' world with communities, grids and a few elements in A, B and C."""
    add_communities(db)
    add_grids(db)
    load = elements.import_file
    load(db, SYSTEM, ElementKind.PEOPLE, table(PEOPLE, ["张三", "13812345678", ID_1, "独居老人", *IN_A1],
                                               ["李四", "13900001111", ID_2, "", *IN_B1],
                                               ["王五", "", "", "", *IN_C1]), "p.csv")
    load(db, SYSTEM, ElementKind.COMPONENTS, table(["部件类型", "经度", "纬度"], ["井盖", *IN_A1], ["路灯", *IN_A1],
                                                   ["监控摄像头", *IN_A2], ["消火栓", *IN_C1]), "c.csv")
    load(db, SYSTEM, ElementKind.PLACES, table(["名称", "场所类型", "经度", "纬度"], ["保俶小学", "学校", *IN_A1]),
         "k.csv")
    return world


def test_counts_for_a_division_and_a_grid(client: Any, auth: Any, blocks_world: Any) -> None:
    street = client.get(f"/api/v1/blocks/{STREET}", headers=auth("leader")).json()
    assert street["type"] == "division"
    assert street["counts"] == {"addresses": 0, "buildings": 0, "people": 2, "entities": 0, "components": 3,
                                "places": 1, "open_cases": 0}
    assert {c["value"]: c["count"] for c in street["components_by_class"]} == {3: 2, 5: 1}
    assert {t["tag"]: t["count"] for t in street["people_by_tag"]}["lonely_elderly"] == 1
    grid = client.get(f"/api/v1/blocks/{A1}", headers=auth("leader")).json()
    assert (grid["type"], grid["counts"]["components"], grid["counts"]["people"]) == ("grid", 2, 1)
    assert client.get("/api/v1/blocks/3301", headers=auth("leader")).json()["counts"]["people"] == 3


def test_people_are_masked_for_a_leader_and_clear_for_an_admin(client: Any, auth: Any, blocks_world: Any,
                                                               db: Session) -> None:
    masked = client.get(f"/api/v1/blocks/{A1}/people", headers=auth("leader")).json()["items"][0]
    assert (masked["name"], masked["phone"], masked["id_number"]) == ("张*", "138****5678", "110***********1233")
    assert masked["masked"] is True
    clear = client.get(f"/api/v1/blocks/{A1}/people", headers=auth("admin")).json()["items"][0]
    assert (clear["name"], clear["phone"], clear["id_number"]) == ("张三", "13812345678", ID_1)
    assert clear["tags"] == ["lonely_elderly"]
    reads = db.scalars(select(AuditEntry).where(AuditEntry.action == "read_personal_data",
                                                AuditEntry.object_type == "person")).all()
    assert [r.actor_name for r in reads] == ["admin"]


def test_lists_page_and_filter_components_by_class(client: Any, auth: Any, blocks_world: Any) -> None:
    first = client.get("/api/v1/blocks/3301/components?limit=2", headers=auth("admin")).json()
    second = client.get("/api/v1/blocks/3301/components?limit=2&offset=2", headers=auth("admin")).json()
    assert (first["total"], len(first["items"]), len(second["items"])) == (4, 2, 2)
    iot = client.get("/api/v1/blocks/3301/components?element_class=5", headers=auth("admin")).json()
    assert [(c["subtype"], c["grid_code"]) for c in iot["items"]] == [("监控摄像头", A2)]


def test_a_street_user_sees_only_the_street(client: Any, auth: Any, blocks_world: Any) -> None:
    headers = auth("street_handler")
    names = [p["name"] for p in client.get("/api/v1/blocks/3301/people", headers=headers).json()["items"]]
    assert sorted(names) == ["张三", "李四"]  # handlers may see personal data, but only in their street
    assert client.get(f"/api/v1/blocks/{B1}", headers=headers).status_code == 200
    assert client.get("/api/v1/blocks/330105", headers=headers).status_code == 404
    assert client.get(f"/api/v1/blocks/{C1}/people", headers=headers).status_code == 404
    assert client.get("/api/v1/blocks/3301", headers=auth("citizen")).status_code == 403
    assert client.get("/api/v1/blocks/3301").status_code == 401


def test_open_cases_are_counted_through_the_case_scope(client: Any, auth: Any, blocks_world: Any,
                                                       db: Session) -> None:
    from builders import file_case

    file_case(db, blocks_world.subjects["agent"], location={"division_code": STREET, "grid_code": A1,
                                                            "address": "保俶路"})
    db.commit()
    assert client.get(f"/api/v1/blocks/{A1}", headers=auth("leader")).json()["counts"]["open_cases"] == 1
    assert client.get(f"/api/v1/blocks/{A2}", headers=auth("leader")).json()["counts"]["open_cases"] == 0


def test_import_over_the_api(client: Any, auth: Any, blocks_world: Any) -> None:
    good = table(["名称", "经度", "纬度"], ["湖畔楼", *IN_A2])
    files = {"file": ("b.csv", good, "text/csv")}
    assert client.post("/api/v1/elements/buildings/import", files=files, headers=auth("dispatcher")).status_code == 403
    created = client.post("/api/v1/elements/buildings/import", files=files, headers=auth("admin"))
    assert created.status_code == 200, created.text
    assert created.json()["created"] == 1
    bad = {"file": ("b.csv", table(["名称", "经度", "纬度"], ["新楼", *IN_A2], ["", *IN_A2]), "text/csv")}
    rejected = client.post("/api/v1/elements/buildings/import", files=bad, headers=auth("admin"))
    assert rejected.status_code == 422
    assert rejected.json()["details"]["rows"][0]["line"] == 3
    kept = client.post("/api/v1/elements/buildings/import?keep_good=true", files=bad, headers=auth("admin")).json()
    assert (kept["created"], kept["errors"][0]["line"]) == (1, 3)
    assert client.get(f"/api/v1/blocks/{A2}", headers=auth("admin")).json()["counts"]["buildings"] == 2


def test_move_and_address_search_over_the_api(client: Any, auth: Any, blocks_world: Any) -> None:
    code = client.get(f"/api/v1/blocks/{A1}/places", headers=auth("admin")).json()["items"][0]["code"]
    moved = client.post(f"/api/v1/elements/places/{code}/move", json={"lng": IN_A2[0], "lat": IN_A2[1]},
                        headers=auth("grid_worker"))
    assert moved.status_code == 200, moved.text
    assert (moved.json()["code"], moved.json()["grid_code"]) == (code, A2)
    addresses = table(["标准地址", "经度", "纬度"], ["浙江省杭州市西湖区北山街道保俶路10号", *IN_A1])
    client.post("/api/v1/elements/addresses/import", headers=auth("admin"),
                files={"file": ("a.csv", addresses, "text/csv")})
    public = client.get("/api/v1/addresses/search", params={"q": "保俶路"}).json()
    assert public == [{"text": "浙江省杭州市西湖区北山街道保俶路10号", "division_code": A1[:12]}]
    staff = client.get("/api/v1/addresses/search", params={"q": "保俶路"}, headers=auth("dispatcher")).json()
    assert staff[0]["grid_code"] == A1


def test_demo_elements_sit_inside_their_grids_with_valid_codes(db: Session) -> None:
    from grid_fixtures import add_divisions
    from shapely.geometry import Point

    from cityloop.areas import repository as areas_repo
    from cityloop.areas.elements import codes
    from cityloop.areas.elements.models import Component, Person, StandardAddress
    from cityloop.areas.grids import service as grids
    from cityloop.cases.demo.elements import seed_elements

    add_divisions(db)
    add_grids(db)
    made = seed_elements(db, seed=1)
    assert made["addresses"] == 3 * 14
    assert all(made[k] > 0 for k in ("buildings", "people", "entities", "components", "places"))
    shapes = {g.code: grids.shape_of(g) for g in areas_repo.list_grids(db, SYSTEM)}
    for model in (StandardAddress, Person, Component):
        for row in db.scalars(select(model)):
            assert shapes[row.grid_code].covers(Point(row.lng, row.lat))
            assert row.division_code == row.grid_code[:12]
    element_codes = [c.code for c in db.scalars(select(Component))] + [p.code for p in db.scalars(select(Person))]
    assert all(codes.is_valid(c) for c in element_codes)
    assert len(set(element_codes)) == len(element_codes)
    assert {c.subtype for c in db.scalars(select(Component))} >= {"井盖", "路灯", "消火栓"}
