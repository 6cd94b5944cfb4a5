"""Patrol points import: the contract's header, every bad row reported by line, nothing half-written."""

from __future__ import annotations

import json
from pathlib import Path

from sqlalchemy import func, select
from typer.testing import CliRunner

from cityloop.cli import app
from cityloop.gridwork.points.models import PatrolPoint, PointWorker

runner = CliRunner()
HEADER = "point_id,name,lng,lat,cycle_days,worker\n"


def _run(tmp_path: Path, body: str, *extra: str):  # type: ignore[no-untyped-def]
    path = tmp_path / "points.csv"
    path.write_text(HEADER + body, encoding="utf-8")
    return runner.invoke(app, ["gridwork", "points", "import", str(path), *extra])


def test_points_are_imported_with_their_workers(db, world, tmp_path: Path) -> None:
    outcome = _run(tmp_path, "P001,北山街道1号井盖,120.1501,30.2601,1,grid_worker\n"
                             "P002,西湖边河段,120.1502,30.2602,7,grid_worker\n"
                             "P002,西湖边河段,120.1502,30.2602,7,admin\n")
    assert outcome.exit_code == 0, outcome.output
    report = json.loads(outcome.output)
    assert (report["created"], report["assigned"], report["errors"]) == (2, 3, [])
    cycles = dict(db.execute(select(PatrolPoint.code, PatrolPoint.cycle_days)).all())
    assert cycles == {"P001": 1, "P002": 7}
    again = _run(tmp_path, "P001,北山街道1号井盖（新）,120.1501,30.2601,2,grid_worker\n")
    assert json.loads(again.output)["updated"] == 1
    assert db.scalar(select(func.count()).select_from(PointWorker)) == 3


def test_every_bad_row_is_reported_by_line_and_nothing_is_written(db, world, tmp_path: Path) -> None:
    outcome = _run(tmp_path, "P001,好点位,120.15,30.26,1,grid_worker\n"
                             ",无编号,120.15,30.26,1,grid_worker\n"
                             "P003,坐标错,abc,95,1,grid_worker\n"
                             "P004,周期错,120.15,30.26,0,nobody\n"
                             "P005,不是网格员,120.15,30.26,3,dispatcher\n")
    assert outcome.exit_code == 1
    rows = json.loads(outcome.stderr or outcome.output)["details"]["rows"]
    assert {r["line"]: sorted(e["field"] for e in r["errors"]) for r in rows} == {
        3: ["point_id"], 4: ["lat", "lng"], 5: ["cycle_days", "worker"], 6: ["worker"]}
    assert db.scalar(select(func.count()).select_from(PatrolPoint)) == 0
    kept = _run(tmp_path, "P001,好点位,120.15,30.26,1,grid_worker\n,无编号,120.15,30.26,1,grid_worker\n",
                "--keep-good")
    assert kept.exit_code == 0
    assert json.loads(kept.output)["created"] == 1


def test_a_file_without_the_contract_columns_is_refused(db, world, tmp_path: Path) -> None:
    path = tmp_path / "points.csv"
    path.write_text("code,name\nP1,x\n", encoding="utf-8")
    outcome = runner.invoke(app, ["gridwork", "points", "import", str(path)])
    assert outcome.exit_code == 1
    assert "point_id" in (outcome.stderr or outcome.output)
