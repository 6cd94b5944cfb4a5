"""Visits (走访): the worker's list per plan from the registry in their grids, due by cycle; problems become cases."""

from __future__ import annotations

import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy.orm import Session

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "areas"))
from element_fixtures import (  # noqa: E402 - the registry fixtures live beside the areas tests
    A1,
    ADMIN,
    CC_1,
    ID_1,
    ID_2,
    IN_A1,
    IN_A2,
    add_communities,
    add_grids,
    table,
)

from cityloop.areas.elements import service as elements  # noqa: E402
from cityloop.areas.elements.models import ElementKind, Person  # noqa: E402
from cityloop.areas.grids import service as grids  # noqa: E402
from cityloop.cases.models import Case  # noqa: E402
from cityloop.kit import clock  # noqa: E402

NOW = datetime(2025, 3, 3, 2, 0, tzinfo=UTC)


@pytest.fixture
def registry(db: Session, world) -> dict[str, str]:  # type: ignore[no-untyped-def]
    """Grids over the street, the grid worker on grid A1, an elderly person and a shop in A1, a person in A2."""
    add_communities(db)
    add_grids(db)
    grids.assign_worker(db, ADMIN, A1, world.users["grid_worker"].id)
    db.commit()
    header = ["姓名", "电话", "身份证号", "标签", "经度", "纬度"]
    elements.import_file(db, ADMIN, ElementKind.PEOPLE, table(header, ["张三", "13812345678", ID_1, "独居老人", *IN_A1],
                                                             ["李四", "", ID_2, "独居老人", *IN_A2]), "p.csv")
    elements.import_file(db, ADMIN, ElementKind.ENTITIES, table(["名称", "统一社会信用代码", "类型", "经度", "纬度"],
                                                               ["湖畔小馆", CC_1, "个体工商户", *IN_A1]), "e.csv")
    people = {p.grid_code: p.code for p in db.query(Person)}
    return {"mine": people[A1], "other": next(c for g, c in people.items() if g != A1)}


def _list(client, auth) -> list[dict[str, object]]:  # type: ignore[no-untyped-def]
    resp = client.get("/api/v1/gridwork/visits", headers=auth("grid_worker"))
    assert resp.status_code == 200, resp.text
    return resp.json()  # type: ignore[no-any-return]


def _visit(client, auth, code: str, key: str, **body: object):  # type: ignore[no-untyped-def]
    payload = {"plan": "lonely_elderly", "element_code": code, "at": NOW.isoformat(), "result": "ok"} | body
    return client.post("/api/v1/gridwork/visits", json=payload, headers={**auth("grid_worker"),
                                                                         "Idempotency-Key": key})


def test_the_list_holds_the_workers_grid_only_and_a_visit_clears_it(client, auth, registry) -> None:
    clock.freeze(NOW)
    first = _list(client, auth)
    assert {(v["plan"], v["due"]) for v in first} == {("lonely_elderly", True), ("firms", True)}
    assert registry["other"] not in {v["element_code"] for v in first}
    assert [v["label"] for v in first if v["plan"] == "lonely_elderly"] == ["张*"]  # grid workers see masked names
    assert _visit(client, auth, registry["mine"], "v1").status_code == 201
    clock.freeze(NOW + timedelta(days=29))
    assert [v["due"] for v in _list(client, auth) if v["plan"] == "lonely_elderly"] == [False]
    clock.freeze(NOW + timedelta(days=30))
    assert [v["due"] for v in _list(client, auth) if v["plan"] == "lonely_elderly"] == [True]


def test_a_problem_raised_becomes_one_case_and_foreign_elements_are_refused(client, auth, db, registry) -> None:
    clock.freeze(NOW)
    body = {"result": "problem", "finding": "老人反映楼道灯坏了"}
    made = _visit(client, auth, registry["mine"], "v2", **body)
    assert made.status_code == 201, made.text
    case = db.get(Case, made.json()["case_id"])
    assert (case.channel, case.content) == ("grid", "老人反映楼道灯坏了")
    assert _visit(client, auth, registry["mine"], "v2", **body).json()["case_id"] == case.id
    assert _visit(client, auth, registry["other"], "v3").status_code == 404
    assert _visit(client, auth, registry["mine"], "v4", plan="nope").status_code == 422
    history = client.get(f"/api/v1/gridwork/visits/lonely_elderly/{registry['mine']}", headers=auth("supervisor"))
    assert [v["case_id"] for v in history.json()] == [case.id]
