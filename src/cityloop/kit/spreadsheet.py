"""Tables as CSV or XLSX files, safe to open in Excel."""

from __future__ import annotations

import csv
import io
from typing import Any

MEDIA = {"csv": "text/csv; charset=utf-8",
         "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}


def safe_cell(value: Any) -> Any:
    """A cell that cannot run as a formula."""
    # A cell starting with = + - @ would run as a formula in Excel (CSV injection); prefix it with a quote.
    if isinstance(value, str) and value[:1] in {"=", "+", "-", "@", "\t", "\r"}:
        return "'" + value
    return value


def to_bytes(header: list[str], rows: list[list[Any]], fmt: str, sheet: str = "cases") -> bytes:
    """Encode a table as CSV (UTF-8 with BOM, so Excel reads Chinese) or XLSX."""
    if fmt == "xlsx":
        from openpyxl import Workbook

        wb = Workbook(write_only=True)
        ws = wb.create_sheet(sheet)
        ws.append(header)
        for row in rows:
            ws.append(row)
        buf = io.BytesIO()
        wb.save(buf)
        return buf.getvalue()
    text = io.StringIO()
    writer = csv.writer(text)
    writer.writerow(header)
    writer.writerows(rows)
    return ("\ufeff" + text.getvalue()).encode("utf-8")
