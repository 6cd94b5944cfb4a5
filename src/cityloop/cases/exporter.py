"""Export of the cases a subject may see to CSV/XLSX, personal data masked unless asked and allowed."""

from __future__ import annotations

import csv
import os
from collections.abc import Callable, Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session

from cityloop.audit.service import record
from cityloop.cases.importer import FIELDS
from cityloop.cases.schemas import CaseOut
from cityloop.cases.service import list_cases
from cityloop.kit import catalogue
from cityloop.kit.auth import Subject
from cityloop.kit.clock import to_local
from cityloop.kit.errors import Forbidden, ValidationFailed

# Column → Chinese header; import fields reuse the importer's names so a zh export reads back in.
COLUMNS: dict[str, str] = {
    "number": "工单号", "external_id": FIELDS["external_id"][0], "state": "状态代码", "state_label": "状态",
    "channel": FIELDS["channel"][0], "appeal_type": FIELDS["appeal_type"][0], "title": FIELDS["title"][0],
    "content": FIELDS["content"][0], "reporter_name": FIELDS["reporter_name"][0],
    "reporter_phone": FIELDS["reporter_phone"][0], "reporter_id_number": FIELDS["reporter_id_number"][0],
    "address": FIELDS["address"][0], "lng": FIELDS["lng"][0], "lat": FIELDS["lat"][0],
    "division_code": FIELDS["division_code"][0], "grid_code": FIELDS["grid_code"][0],
    "category_code": FIELDS["category_code"][0], "category_name": "分类名称", "grade": FIELDS["grade"][0],
    "unit": "承办单位", "received_at": FIELDS["received_at"][0], "deadline": "办理期限",
    "completed_at": "办结时间", "closed_at": "归档时间", "card": "亮灯", "reply": "答复意见",
    "satisfaction": "满意度", "urge_count": "督办次数", "reopen_count": "重办次数",
}
SUFFIXES = {".csv", ".xlsx"}
_FORMULA_START = ("=", "+", "-", "@")
PAGE_SIZE = 500
PageCallback = Callable[[int, int], None]  # (cases written, total)
# The name under which file exports are asked for and approved (the web lists have names of their own).
FILE_EXPORT = "case-file"
# (session, subject, export name) → id of the approval that lets this export carry personal data in clear, else None.
ClearExportGate = Callable[[Session, Subject, str], int | None]
# The export approval service plugs in here (governance); with no gate, nobody exports personal data in clear.
clear_export_gates: list[ClearExportGate] = []


def export_cases(session: Session, subject: Subject, filters: dict[str, Any], path: Path, *,
                 unmasked: bool = False, lang: str = "zh", on_page: PageCallback | None = None) -> int:
    """Write the visible cases matching `filters` to `path` (.csv or .xlsx); returns the row count.

    Commits the export's audit entry (and the use of a single-use approval) before the file takes its name: a file
    in clear is never in place without its record.
    """
    if path.suffix.lower() not in SUFFIXES:
        raise ValidationFailed({"file": (f"导出文件应为 .csv 或 .xlsx：{path.name}",
                                         f"Export file must end in .csv or .xlsx: {path.name}")})
    if unmasked and not subject.sees_pii:
        raise Forbidden("该角色无权导出未脱敏的个人信息", "This role may not export personal data unmasked")
    approval = _approval(session, subject) if unmasked else None
    header = list(COLUMNS) if lang == "en" else list(COLUMNS.values())
    rows = (_row(case, unmasked) for case in _visible(session, subject, filters, lang, on_page))
    # Write beside the target and rename at the end, so a failed export never leaves a half-written file.
    partial = path.with_name(f".{path.name}.part")
    try:
        count = _write_xlsx(partial, header, rows) if path.suffix.lower() == ".xlsx" else \
            _write_csv(partial, header, rows)
        # The file itself is the record of which cases left; the log says who took it, with which filters and approval.
        record(session, subject, "export", "case", [], {
            "file": path.name, "rows": count, "personal_data_in_clear": unmasked, "approval": approval,
            "filters": {k: v.isoformat() if isinstance(v, datetime) else v for k, v in filters.items()}, "via": "cli"})
        session.commit()
        os.replace(partial, path)
    finally:
        partial.unlink(missing_ok=True)
    return count


def _approval(session: Session, subject: Subject) -> int:
    """The subject's approval of a file export in clear (used up when single use); refused without one."""
    for gate in clear_export_gates:
        approval = gate(session, subject, FILE_EXPORT)
        if approval is not None:
            return approval
    raise Forbidden(f"明文导出个人信息需经审批：请以本人账号在 /sharing/exports?export={FILE_EXPORT} 申请，"
                    "批准后用 --user 本人账号导出",
                    f"Personal data in clear needs an approved export request: ask as yourself at "
                    f"/sharing/exports?export={FILE_EXPORT}, then export with --user and your account")


def _visible(session: Session, subject: Subject, filters: dict[str, Any], lang: str,
             on_page: PageCallback | None) -> Iterator[CaseOut]:
    offset = 0
    while True:
        # Ascending ids keep pages stable while new cases arrive during the export.
        page = list_cases(session, subject, filters, offset=offset, limit=PAGE_SIZE, order="id", lang=lang)
        yield from page.items
        offset += len(page.items)
        if on_page:
            on_page(offset, page.total)
        # Exports can be large: detach each page once written instead of keeping every case in the session.
        session.expunge_all()
        if len(page.items) < PAGE_SIZE:
            return


def _row(case: CaseOut, unmasked: bool) -> list[Any]:
    reporter = case.reporter
    name, phone, id_number = reporter.get("name"), reporter.get("phone"), reporter.get("id_number")
    if not unmasked:
        # The service already masks for roles without the right; the export masks for everyone by default.
        name, phone, id_number = (catalogue.masked("cases", column, value) for column, value in (
            ("reporter_name", name), ("reporter_phone", phone), ("reporter_id_number", id_number)))
    loc, category = case.location, case.category or {}
    values: dict[str, Any] = {
        "number": case.number, "external_id": case.external_id, "state": case.state,
        "state_label": case.state_label, "channel": case.channel, "appeal_type": case.appeal_type,
        "title": case.title, "content": case.content, "reporter_name": name, "reporter_phone": phone,
        "reporter_id_number": id_number, "address": loc.get("address"), "lng": loc.get("lng"),
        "lat": loc.get("lat"), "division_code": loc.get("division_code"), "grid_code": loc.get("grid_code"),
        "category_code": category.get("code"), "category_name": category.get("name"),
        "grade": case.grade, "unit": case.unit.name if case.unit else None, "received_at": case.received_at,
        "deadline": case.deadline, "completed_at": case.completed_at, "closed_at": case.closed_at,
        "card": case.card, "reply": case.reply, "satisfaction": case.satisfaction,
        "urge_count": case.urge_count, "reopen_count": case.reopen_count,
    }
    return [_cell(values[c]) for c in COLUMNS]


def _cell(value: Any) -> Any:
    if isinstance(value, datetime):
        # Local wall-clock time without zone: what spreadsheet users expect, and what the importer assumes.
        return to_local(value).replace(tzinfo=None, microsecond=0)
    return value


def _write_csv(path: Path, header: list[str], rows: Iterator[list[Any]]) -> int:
    count = 0
    # utf-8-sig so Excel opens Chinese text correctly.
    with path.open("w", newline="", encoding="utf-8-sig") as fh:
        writer = csv.writer(fh)
        writer.writerow(header)
        for row in rows:
            writer.writerow([_csv_text(v) for v in row])
            count += 1
    return count


def _csv_text(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat(sep=" ")
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        # Citizen text must not run as a spreadsheet formula (CSV injection); the importer strips the quote.
        return "'" + value
    return value


def _write_xlsx(path: Path, header: list[str], rows: Iterator[list[Any]]) -> int:
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("cases")
    sheet.append(header)
    count = 0
    for row in rows:
        cells = []
        for value in row:
            cell = WriteOnlyCell(sheet, value=value)
            if isinstance(value, str):
                cell.data_type = "s"  # never a formula, whatever the text starts with
            cells.append(cell)
        sheet.append(cells)
        count += 1
    workbook.save(path)
    return count
