"""The field catalogue declares every column once, with a valid grade and a masking rule for personal data."""

from __future__ import annotations

from pathlib import Path

import pytest
from openpyxl import load_workbook
from sqlalchemy import Column, Integer, MetaData, String, Table
from typer.testing import CliRunner

import cityloop.models  # noqa: F401  (every table registered)
from cityloop.cli import app
from cityloop.governance.catalogue.service import _parse, fields, masked, stale, undeclared
from cityloop.kit.db import Base


def test_every_column_of_every_table_is_declared() -> None:
    assert undeclared(Base.metadata) == []
    assert stale(Base.metadata) == []


def test_a_new_column_would_be_caught() -> None:
    probe = MetaData()
    Table("cases", probe, Column("id", Integer), Column("reporter_email", String))
    assert undeclared(probe) == ["cases.reporter_email"]


def test_personal_data_that_staff_may_not_see_has_a_masking_rule() -> None:
    by_column = {(f.table, f.column): f for f in fields()}
    for key in [("cases", "reporter_phone"), ("cases", "reporter_name"), ("cases", "reporter_id_number"),
                ("people", "id_number"), ("service_applications", "applicant_phone")]:
        assert by_column[key].pi
        assert by_column[key].mask
    assert by_column[("cases", "reporter_id_number")].sensitive
    assert by_column[("patrol_checkins", "lng")].sensitive  # a worker's whereabouts over time (行踪轨迹)


def test_masking_follows_the_catalogue() -> None:
    assert masked("cases", "reporter_phone", "13812345678") == "138****5678"
    assert masked("cases", "title", "占道经营") == "占道经营"
    assert masked("people", "lat", "30.123456") == "30.123"


def test_a_bad_declaration_is_refused_with_its_place() -> None:
    with pytest.raises(ValueError, match="cases.x"):
        _parse("cases", "x", "秘密")
    with pytest.raises(ValueError, match="mask"):
        _parse("cases", "x", "一般 mask=everything")


def test_catalogue_export(tmp_path: Path) -> None:
    out = tmp_path / "catalogue.xlsx"
    done = CliRunner().invoke(app, ["governance", "catalogue", "--out", str(out)])
    assert done.exit_code == 0, done.output
    rows = list(load_workbook(out).active.iter_rows(values_only=True))
    assert rows[0][:4] == ("表 table", "字段 column", "级别 level", "个人信息 PI")
    assert len(rows) - 1 == len(fields())


def test_catalogue_api_is_for_administrators(client, world, auth) -> None:  # type: ignore[no-untyped-def]
    shown = client.get("/api/v1/governance/catalogue", headers=auth("admin"))
    assert shown.status_code == 200
    phone = next(f for f in shown.json() if (f["table"], f["column"]) == ("cases", "reporter_phone"))
    assert phone["level"] == "重要"
    assert phone["mask"] == "phone"
    assert client.get("/api/v1/governance/catalogue", headers=auth("dispatcher")).status_code == 403
    assert client.get("/api/v1/governance/catalogue").status_code == 401

