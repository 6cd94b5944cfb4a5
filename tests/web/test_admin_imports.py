"""Admin imports: Chinese headers, a template, per-row errors as a table and an XLSX, no Python reprs."""

from __future__ import annotations

import io
from collections.abc import Callable

from fastapi.testclient import TestClient
from openpyxl import load_workbook
from web_helpers import post

from builders import World
from cityloop.cases.taxonomy import COLUMNS, HEADERS_ZH

Browser = Callable[[str], TestClient]


def test_the_template_has_chinese_headers_and_imports_back_when_filled(as_user: Browser, world: World) -> None:
    c = as_user("admin")
    r = c.get("/admin/taxonomy/template?fmt=xlsx")
    assert r.status_code == 200
    sheet = load_workbook(io.BytesIO(r.content)).worksheets[0]
    headers = [cell.value for cell in sheet[1]]
    assert headers == [HEADERS_ZH[col] for col in COLUMNS]
    row = {"domain_code": "09", "domain_name": "测试领域", "type_code": "0901", "type_name": "测试类型",
           "leaf_code": "090101", "leaf_name": "测试表现", "area_level": "区", "unit_type": "chengguan"}
    csv_text = ",".join(headers) + "\n" + ",".join(row.get(col, "") for col in COLUMNS) + "\n"
    ok = post(c, "/admin/taxonomy/import", files={"file": ("中文表头.csv", csv_text.encode(), "text/csv")})
    assert ok.status_code == 303, ok.text


def test_row_errors_are_a_table_in_words_and_an_xlsx(as_user: Browser, world: World) -> None:
    c = as_user("admin")
    bad = post(c, "/admin/taxonomy/import", files={"file": ("bad.csv", "行业领域代码\n01\n".encode(), "text/csv")})
    assert bad.status_code == 400
    table = bad.text.split('id="import-errors"')[1].split("</form>")[0]
    assert "行业领域：必填" in table
    assert "{'" not in bad.text
    assert "domain_code" not in table
    lines = [v for v in table.split('name="line" value="')[1:]]
    problems = [v.split('"')[0] for v in table.split('name="problem" value="')[1:]]
    report = post(c, "/admin/import-errors", {"line": [v.split('"')[0] for v in lines], "problem": problems})
    assert report.status_code == 200
    sheet = load_workbook(io.BytesIO(report.content)).worksheets[0]
    rows = [[cell.value for cell in r] for r in sheet.iter_rows(min_row=2)]
    assert rows[0][0] == "2"
    assert "必填" in rows[0][1]


def test_unit_types_and_columns_are_shown_by_name(as_user: Browser, world: World) -> None:
    c = as_user("admin")
    units = c.get("/admin?tab=units").text
    assert "城管" in units
    assert ">chengguan /" not in units
    taxonomy = c.get("/admin?tab=taxonomy").text
    assert ">责任单位类型<" in taxonomy
    assert "<td>chengguan</td>" not in taxonomy
