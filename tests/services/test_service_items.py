"""Catalogue: search in everyday words, import with a line-numbered row report, versions, export round trip."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from builders import World
from cityloop.kit.auth import SYSTEM
from cityloop.kit.errors import Forbidden, ValidationFailed
from cityloop.services.items import service as items
from cityloop.services.items.models import ServiceItem
from cityloop.services.items.rows import COLUMNS

HEADER = ",".join(COLUMNS) + "\n"
GOOD = "T-1,B1,测试事项,行政许可,自然人,测试局,330100,10,5,不收费,online,出生,测试,身份证*1,\n"


def _import(db: Session, body: str, keep_good: bool = False) -> items.ItemImport:
    return items.import_file(db, SYSTEM, (HEADER + body).encode(), "items.csv", keep_good)


@pytest.mark.usefixtures("catalogue")
@pytest.mark.parametrize(("query", "expected"), [("生孩子要办什么", "出生医学证明首次签发"),
                                                 ("开饭店", "食品经营许可（餐饮服务）"),
                                                 ("公积金提取", "住房公积金提取（购房）")])
def test_search_understands_everyday_words(db: Session, query: str, expected: str) -> None:
    found = items.search(db, query)
    assert expected in [i.name for i in found[:4]]
    assert set(found[0].themes) & set(next(i for i in found if i.name == expected).themes)


def test_bad_rows_are_reported_by_line_and_nothing_is_written(db: Session, world: World) -> None:
    body = GOOD + "T-2,B2,,行政许可,自然人,测试局,330100,10,5,,online,,,身份证*1,\n" \
                  "T-3,B3,坏事项,随便,自然人,测试局,330100,5,10,,fax,,,身份证*x,\n"
    with pytest.raises(ValidationFailed) as err:
        _import(db, body)
    rows = {r["line"]: {e["field"] for e in r["errors"]} for r in err.value.details["rows"]}
    assert rows == {3: {"name"}, 4: {"item_type", "promised_days", "channels", "materials"}}
    assert db.scalars(select(ServiceItem)).all() == []


def test_keep_good_imports_only_the_good_rows(db: Session, world: World) -> None:
    report = _import(db, GOOD + "T-2,B2,,行政许可,自然人,测试局,330100,10,5,,online,,,,\n", keep_good=True)
    assert (report.created, [e["line"] for e in report.errors]) == (1, [3])


def test_a_guide_with_a_dangling_material_is_refused_with_its_path(db: Session, world: World) -> None:
    guide = ('"{""start"": ""a"", ""questions"": {""a"": {""options"": '
             '{""y"": {""materials"": [""户口簿""], ""next"": null}}}}}"')
    with pytest.raises(ValidationFailed) as err:
        _import(db, GOOD.rstrip(",\n") + "," + guide + "\n")
    problem = err.value.details["rows"][0]["errors"][0]
    assert problem["field"] == "guide"
    assert "a=y" in problem["en"]
    assert "户口簿" in problem["zh"]


def test_a_changed_item_gets_a_new_version_and_the_old_one_stays(db: Session, world: World) -> None:
    _import(db, GOOD)
    report = _import(db, GOOD.replace(",10,5,", ",10,3,"))
    assert report.versioned == 1
    versions = db.scalars(select(ServiceItem).where(ServiceItem.code == "T-1").order_by(ServiceItem.version)).all()
    assert [(v.version, v.is_active, v.promised_days) for v in versions] == [(1, False, 5), (2, True, 3)]
    assert _import(db, GOOD.replace(",10,5,", ",10,3,")).unchanged == 1


def test_only_administrators_import(db: Session, world: World) -> None:
    with pytest.raises(Forbidden):
        items.import_file(db, world.subjects["dispatcher"], (HEADER + GOOD).encode(), "items.csv")


@pytest.mark.usefixtures("catalogue")
@pytest.mark.parametrize("suffix", [".csv", ".xlsx"])
def test_export_then_import_changes_nothing(db: Session, tmp_path: Path, suffix: str) -> None:
    path = tmp_path / f"items{suffix}"
    count = items.export_file(db, path)
    report = items.import_file(db, SYSTEM, path.read_bytes(), path.name)
    assert (report.unchanged, report.created, report.versioned) == (count, 0, 0)
    assert count >= 60


@pytest.mark.usefixtures("catalogue")
def test_an_administrators_synonym_changes_what_a_phrase_finds(db: Session, world: World) -> None:
    assert "住房公积金提取（租房）" not in [i.name for i in items.search(db, "交房租")]
    items.set_synonym(db, SYSTEM, "交房租", ["租房"])
    assert "住房公积金提取（租房）" in [i.name for i in items.search(db, "交房租")]
    with pytest.raises(Forbidden):
        items.set_synonym(db, world.subjects["dispatcher"], "交房租", [])
    items.set_synonym(db, SYSTEM, "交房租", [])
    assert items.synonym_table(db).get("交房租") is None
