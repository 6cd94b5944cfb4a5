"""Division import: national list by province (idempotent), communities CSV with line-numbered errors."""

from __future__ import annotations

from datetime import date

from sqlalchemy import func, select
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from cityloop.areas.divisions import service as divisions
from cityloop.areas.divisions.cli import divisions_app
from cityloop.areas.divisions.models import Division


def _count(db: Session, prefix: str = "") -> int:
    return db.scalar(select(func.count()).select_from(Division).where(Division.code.startswith(prefix))) or 0


def test_province_import_is_idempotent_and_never_deletes(db: Session) -> None:
    db.add(Division(code="110199001001", name="自建社区", short_name="", level=5, parent_code="110199001"))
    first = divisions.import_national(db, "11")
    db.commit()
    assert first.inserted > 300
    assert first.updated == 0
    assert _count(db) == first.inserted + 1
    assert _count(db, "12") == 0
    again = divisions.import_national(db, "11")
    db.commit()
    assert (again.inserted, again.updated, again.unchanged) == (0, 0, first.inserted)
    assert db.get(Division, "110199001001") is not None


def test_city_prefix_brings_its_ancestors_and_fills_short_names(db: Session) -> None:
    divisions.import_national(db, "1101")
    db.commit()
    chaoyang = db.get(Division, "110105")
    assert chaoyang is not None
    assert (chaoyang.name, chaoyang.short_name, chaoyang.level, chaoyang.parent_code) == ("朝阳区", "朝阳", 3, "1101")
    beijing = db.get(Division, "11")
    assert beijing is not None
    assert beijing.short_name == "北京"
    assert beijing.parent_code is None
    placeholder = db.get(Division, "1101")  # 市辖区 carries its municipality's name, as in the gazetteer
    assert placeholder is not None
    assert (placeholder.name, placeholder.level) == ("北京市", 2)
    street = db.get(Division, "110101001")
    assert street is not None
    assert (street.name, street.short_name, street.level) == ("东华门街道", "东华门", 4)


def test_changed_names_are_updated(db: Session) -> None:
    divisions.import_national(db, "110105")
    db.commit()
    div = db.get(Division, "110105")
    assert div is not None
    div.name = "旧名"
    db.commit()
    result = divisions.import_national(db, "110105")
    db.commit()
    db.refresh(div)
    assert result.updated == 1
    assert div.name == "朝阳区"


COMMUNITIES = """code,name,parent_code,valid_from
110105001001,建外社区,110105001,2020-01-01
110105001002,永安里社区居委会,110105001,
1101050010,短码社区,110105001,
110105001003,别处社区,999999999,
110105001004,日期社区,110105001,2020-13-01
"""


def test_communities_csv_reports_bad_rows_with_line_numbers_and_writes_nothing(db: Session) -> None:
    divisions.import_national(db, "110105")
    db.commit()
    before = _count(db)
    result = divisions.import_communities(db, COMMUNITIES)
    assert [(e.line, e.column) for e in result.errors] == [(4, "code"), (5, "parent_code"), (6, "valid_from")]
    assert _count(db) == before


def test_communities_csv_upserts_good_rows(db: Session) -> None:
    divisions.import_national(db, "110105")
    db.commit()
    good = "\n".join(COMMUNITIES.splitlines()[:3]) + "\n"
    result = divisions.import_communities(db, "\ufeff" + good)
    db.commit()
    assert (result.inserted, result.errors) == (2, [])
    jianwai = db.get(Division, "110105001001")
    assert jianwai is not None
    assert (jianwai.level, jianwai.parent_code, jianwai.short_name) == (5, "110105001", "建外")
    assert jianwai.valid_from == date(2020, 1, 1)
    assert jianwai.valid_to is None
    assert db.get(Division, "110105001002").short_name == "永安里"  # type: ignore[union-attr]
    again = divisions.import_communities(db, good)
    assert (again.inserted, again.unchanged) == (0, 2)
    # The national import leaves user-defined communities and their dates alone.
    divisions.import_national(db, "110105")
    db.commit()
    db.refresh(jianwai)
    assert jianwai.valid_from == date(2020, 1, 1)


def test_cli_import_reports_errors_by_line(db: Session, tmp_path) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "communities.csv"
    path.write_text(COMMUNITIES, encoding="utf-8")
    runner = CliRunner()
    ok = runner.invoke(divisions_app, ["import", "--province", "110105"])
    assert ok.exit_code == 0, ok.output
    bad = runner.invoke(divisions_app, ["import", "--no-national", "--file", str(path)])
    assert bad.exit_code == 1
    assert "communities.csv:4: code" in bad.output
    assert _count(db, "110105001") == 1
