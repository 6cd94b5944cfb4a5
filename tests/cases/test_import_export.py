"""`cityloop cases import/export`: validation with line numbers, all-or-nothing, resumability, masking."""

from __future__ import annotations

import csv
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from openpyxl import Workbook, load_workbook
from sqlalchemy import func, select, text
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from builders import TAXONOMY_CSV
from cityloop.cases.exporter import export_cases
from cityloop.cases.importer import ImportOptions, check_file, import_file
from cityloop.cases.models import Case
from cityloop.cases.taxonomy import import_taxonomy
from cityloop.cli import app
from cityloop.config import get_settings
from cityloop.kit.auth import SYSTEM, Role, Subject
from cityloop.kit.crypto import decrypt
from cityloop.kit.errors import Forbidden, ValidationFailed

HEADER = ["外部编号", "标题", "留言详情", "渠道", "诉求类型", "姓名", "电话", "区划代码", "受理时间"]
GOOD = [
    ["H-1", "小区门口占道经营", "每天晚上摊贩占道，影响通行", "12345热线", "投诉", "张三", "13812345678",
     "330106001", "2024-05-01 08:30"],
    ["H-2", "路灯不亮", "北山街路灯坏了三天", "hotline", "help", "李四", "13900001111", "330106",
     "2024/05/02 09:00"],
    ["H-3", "噪音扰民", "工地夜间施工", "网站", "complain", "", "", "", ""],
]
BAD = [
    ["H-4", "x", "标题太短", "hotline", "complain", "", "", "", ""],
    ["H-5", "电话不对", "电话号码格式错误", "hotline", "complain", "王五", "abc", "", ""],
    ["H-6", "未知渠道", "渠道写错了", "pigeon", "complain", "", "", "", ""],
]


def write_csv(path: Path, rows: list[list[str]], header: list[str] = HEADER) -> Path:
    with path.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow(header)
        writer.writerows(rows)
    return path


def count_cases(db: Session) -> int:
    db.rollback()  # see commits made by other sessions and processes
    return int(db.scalar(select(func.count()).select_from(Case)) or 0)


def test_good_file_imports_every_row_with_history_times(db: Session, tmp_path: Path) -> None:
    report = import_file(db, write_csv(tmp_path / "in.csv", GOOD), ImportOptions())
    assert (report.imported, report.rejected) == (3, [])
    cases = {c.external_id: c for c in db.scalars(select(Case))}
    assert cases["H-1"].channel == "hotline"
    assert cases["H-1"].appeal_type == "complain"
    assert cases["H-1"].received_at.isoformat() == "2024-05-01T00:30:00+00:00"  # 08:30 Beijing time
    assert cases["H-3"].channel == "web"
    assert decrypt(cases["H-1"].reporter_phone) == "13812345678"


def test_bad_rows_are_reported_with_line_numbers_and_nothing_is_written(db: Session, tmp_path: Path) -> None:
    path = write_csv(tmp_path / "in.csv", [GOOD[0], BAD[0], GOOD[1], BAD[1], BAD[2], GOOD[2]])
    report = import_file(db, path, ImportOptions())
    assert not report.written
    assert {p.line: set(p.errors) for p in report.rejected} == {
        3: {"title"}, 5: {"reporter_phone"}, 6: {"channel"}}
    zh, en = report.rejected[0].errors["title"]
    assert "2" in zh
    assert "at least 2" in en
    assert count_cases(db) == 0


def test_keep_good_imports_the_valid_rows_and_writes_rejects(engine: Engine, tmp_path: Path) -> None:
    path = write_csv(tmp_path / "in.csv", [GOOD[0], BAD[0], GOOD[1]])
    rejects = tmp_path / "rejects.csv"
    result = CliRunner().invoke(app, ["cases", "import", str(path), "--keep-good", "--rejects", str(rejects)])
    assert result.exit_code == 0, result.output
    summary = json.loads(result.stdout.strip().splitlines()[-1])
    assert summary == {"rows": 3, "imported": 2, "skipped_existing": 0, "rejected": 1, "written": True}
    assert "line 3: title (标题)" in result.stderr
    rows = list(csv.reader(rejects.open(encoding="utf-8-sig")))
    assert rows[0][-2:] == ["_line", "_errors"]
    assert rows[1][:len(HEADER)] == BAD[0]
    assert rows[1][-2] == "3"


def test_cli_without_keep_good_exits_nonzero_and_writes_nothing(db: Session, tmp_path: Path) -> None:
    path = write_csv(tmp_path / "in.csv", [GOOD[0], BAD[1]])
    result = CliRunner().invoke(app, ["cases", "import", str(path)])
    assert result.exit_code == 1
    assert "line 3: reporter_phone (电话)" in result.stderr
    assert "nothing imported" in result.stderr
    assert count_cases(db) == 0


def test_reimport_creates_no_duplicates_even_for_identical_rows(db: Session, tmp_path: Path) -> None:
    no_id = ["", "重复来电", "同一内容的两次来电", "hotline", "complain", "", "", "", "2024-05-03 10:00"]
    path = write_csv(tmp_path / "in.csv", [*GOOD, no_id, no_id])
    first = import_file(db, path, ImportOptions())
    again = import_file(db, path, ImportOptions())
    assert (first.imported, again.imported, again.skipped_existing) == (5, 0, 5)
    assert count_cases(db) == 5


def test_repeated_external_id_in_one_file_is_rejected(db: Session, tmp_path: Path) -> None:
    report = check_file(db, write_csv(tmp_path / "in.csv", [GOOD[0], GOOD[0]]), ImportOptions())
    assert [(p.line, list(p.errors)) for p in report.rejected] == [(3, ["external_id"])]


def test_column_mapping_and_defaults(db: Session, tmp_path: Path) -> None:
    path = write_csv(tmp_path / "in.csv", [["诉求 1", "井盖缺失很危险", "13812345678"]],
                     header=["问题", "描述", "手机"])
    with pytest.raises(ValidationFailed) as exc:
        import_file(db, path, ImportOptions())
    assert set(exc.value.fields) == {"title", "content"}
    mapping = tmp_path / "mapping.json"
    mapping.write_text(json.dumps({"title": "问题", "content": "描述"}), encoding="utf-8")
    result = CliRunner().invoke(app, ["cases", "import", str(path), "--mapping", str(mapping),
                                      "--map", "reporter_phone=手机", "--channel", "热线",
                                      "--appeal-type", "咨询"])
    assert result.exit_code == 0, result.output
    case = db.scalars(select(Case)).one()
    assert (case.title, case.channel, case.appeal_type) == ("诉求 1", "hotline", "consult")
    assert decrypt(case.reporter_phone) == "13812345678"


def test_unknown_field_or_column_in_mapping_is_a_clear_error(db: Session, tmp_path: Path) -> None:
    path = write_csv(tmp_path / "in.csv", GOOD)
    with pytest.raises(ValidationFailed, match="Invalid input") as exc:
        import_file(db, path, ImportOptions(mapping={"titel": "标题"}))
    assert "mapping" in exc.value.fields
    result = CliRunner().invoke(app, ["cases", "import", str(path), "--map", "title=Subject"])
    assert result.exit_code == 2
    assert "No column 'Subject'" in result.stderr


def test_xlsx_import_with_category_checked_against_taxonomy(db: Session, tmp_path: Path) -> None:
    taxonomy = tmp_path / "taxonomy.csv"
    taxonomy.write_text(TAXONOMY_CSV, encoding="utf-8")
    import_taxonomy(db, taxonomy, "test")
    db.commit()
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["title", "content", "channel", "appeal_type", "category_code", "lng", "lat",
                  "reporter_phone"])
    sheet.append(["占道经营", "路口摆摊", "grid", "event", "010101", 120.15, 30.25, 13812345678])
    sheet.append(["不存在的分类", "分类代码错误", "grid", "event", "999999", 120.15, 30.25, None])
    sheet.append(["经度越界", "经度超出范围", "grid", "event", "", 500, 30.25, None])
    book.save(tmp_path / "in.xlsx")
    report = import_file(db, tmp_path / "in.xlsx", ImportOptions(keep_good=True))
    assert report.imported == 1
    assert {p.line: list(p.errors) for p in report.rejected} == {3: ["category_code"], 4: ["lng"]}
    assert db.scalars(select(Case)).one().category_code == "010101"


def test_export_masks_personal_data_by_default(db: Session, tmp_path: Path) -> None:
    import_file(db, write_csv(tmp_path / "in.csv", GOOD), ImportOptions())
    out = tmp_path / "out.csv"
    assert export_cases(db, SYSTEM, {}, out, lang="en") == 3
    rows = {r["external_id"]: r for r in csv.DictReader(out.open(encoding="utf-8-sig"))}
    assert (rows["H-1"]["reporter_name"], rows["H-1"]["reporter_phone"]) == ("张*", "138****5678")
    assert rows["H-1"]["received_at"] == "2024-05-01 08:30:00"
    masked = out.read_bytes()
    with pytest.raises(Forbidden):  # in clear only under an approved request (tests/governance/sharing)
        export_cases(db, SYSTEM, {}, out, lang="en", unmasked=True)
    assert out.read_bytes() == masked


def test_export_unmasked_is_refused_to_roles_without_pii_rights(db: Session, tmp_path: Path) -> None:
    leader = Subject(id=None, name="leader", roles=frozenset({Role.LEADER}), scope="3301")
    with pytest.raises(Forbidden):
        export_cases(db, leader, {}, tmp_path / "out.csv", unmasked=True)
    assert not (tmp_path / "out.csv").exists()


def test_export_cli_filters_and_writes_xlsx(db: Session, tmp_path: Path) -> None:
    hostile = ["H-9", "=HYPERLINK(\"http://x\")", "公式注入", "hotline", "complain", "", "", "330105001",
               "2024-06-01 10:00"]
    import_file(db, write_csv(tmp_path / "in.csv", [*GOOD, hostile]), ImportOptions())
    out = tmp_path / "out.xlsx"
    result = CliRunner().invoke(app, ["cases", "export", str(out), "--division", "330106",
                                      "--from", "2024-05-01", "--to", "2024-05-01"])
    assert result.exit_code == 0, result.output
    rows = list(load_workbook(out, read_only=True).worksheets[0].iter_rows(values_only=True))
    assert len(rows) == 2
    assert rows[1][1] == "H-1"
    assert rows[1][9] == "138****5678"
    csv_out = tmp_path / "all.csv"
    assert CliRunner().invoke(app, ["cases", "export", str(csv_out), "--lang", "en"]).exit_code == 0
    titles = [r["title"] for r in csv.DictReader(csv_out.open(encoding="utf-8-sig"))]
    assert "'=HYPERLINK(\"http://x\")" in titles  # shown as text, never run as a formula
    export_cases(db, SYSTEM, {"division_code": "330105"}, tmp_path / "hostile.xlsx", lang="en")
    title = load_workbook(tmp_path / "hostile.xlsx").worksheets[0]["G2"]
    assert (title.value, title.data_type) == ('=HYPERLINK("http://x")', "s")


def _cityloop_command() -> list[str]:
    script = Path(sys.executable).parent / "cityloop"
    return [str(script)] if script.exists() else [sys.executable, "-c", "from cityloop.cli import app; app()"]


def test_kill_9_during_import_then_rerun_files_every_row_exactly_once(engine: Engine, tmp_path: Path) -> None:
    total = 300
    rows = [[f"K-{i}", f"批量导入 {i}", f"第 {i} 条历史工单内容", "hotline", "complain", "", "", "", ""]
            for i in range(total)]
    path = write_csv(tmp_path / "big.csv", rows)
    env = {**os.environ, "CITYLOOP_DATABASE_URL": get_settings().effective_database_url}
    command = [*_cityloop_command(), "cases", "import", str(path)]
    proc = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        done = _wait_for_cases(engine, proc, at_least=20)
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=10)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert done < total, "the import finished before it could be killed"
    rerun = subprocess.run(command, env=env, capture_output=True, text=True, timeout=120, check=False)
    assert rerun.returncode == 0, rerun.stderr
    summary = json.loads(rerun.stdout.strip().splitlines()[-1])
    assert summary["imported"] + summary["skipped_existing"] == total
    assert summary["skipped_existing"] >= done
    with engine.connect() as conn:
        ids = [r[0] for r in conn.execute(text("SELECT external_id FROM cases"))]
    assert sorted(ids) == sorted(f"K-{i}" for i in range(total))


def _wait_for_cases(engine: Engine, proc: subprocess.Popen[bytes], at_least: int) -> int:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and proc.poll() is None:
        with engine.connect() as conn:
            count = int(conn.execute(text("SELECT count(*) FROM cases")).scalar_one())
        if count >= at_least:
            return count
        time.sleep(0.02)
    raise AssertionError(f"import did not reach {at_least} cases (exit code {proc.poll()})")
