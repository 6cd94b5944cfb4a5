"""Exports of any case list to CSV or XLSX; personal data arrives already masked by `cases.service.present`."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from fastapi import Response
from sqlalchemy.orm import Session

from cityloop.audit.service import record
from cityloop.cases.schemas import CaseOut
from cityloop.kit.auth import Subject
from cityloop.kit.clock import utcnow
from cityloop.kit.spreadsheet import MEDIA, safe_cell, to_bytes
from cityloop.web.pages import fmt_dt

Column = tuple[str, str, Callable[[CaseOut], Any]]
COLUMNS: list[Column] = [
    ("工单编号", "Number", lambda c: c.number),
    ("标题", "Title", lambda c: c.title),
    ("状态", "State", lambda c: c.state_label),
    ("渠道", "Channel", lambda c: c.channel),
    ("诉求类型", "Type", lambda c: c.appeal_type),
    ("分类", "Category", lambda c: (c.category or {}).get("name", "")),
    ("承办单位", "Unit", lambda c: c.unit.name if c.unit else ""),
    ("区划", "Division", lambda c: c.location.get("division_code") or ""),
    ("地址", "Address", lambda c: c.location.get("address") or ""),
    ("反映人", "Reporter", lambda c: c.reporter.get("name") or ""),
    ("联系电话", "Phone", lambda c: c.reporter.get("phone") or ""),
    ("受理时间", "Received", lambda c: fmt_dt(c.received_at)),
    ("办理期限", "Deadline", lambda c: fmt_dt(c.deadline)),
    ("办结时间", "Completed", lambda c: fmt_dt(c.completed_at)),
    ("亮灯", "Card", lambda c: c.card),
    ("督办次数", "Urges", lambda c: c.urge_count),
    ("满意度", "Satisfaction", lambda c: c.satisfaction or ""),
]


def table(items: list[CaseOut], lang: str) -> tuple[list[str], list[list[Any]]]:
    """Header and rows of a case list."""
    header = [en if lang == "en" else zh for zh, en, _ in COLUMNS]
    return header, [[safe_cell(get(c)) for _zh, _en, get in COLUMNS] for c in items]


def download(header: list[str], rows: list[list[Any]], fmt: str, stem: str) -> Response:
    """A file download response."""
    fmt = "xlsx" if fmt == "xlsx" else "csv"
    return Response(to_bytes(header, rows, fmt), media_type=MEDIA[fmt],
                    headers={"Content-Disposition": f'attachment; filename="{stem}.{fmt}"'})


def cases_download(session: Session, subject: Subject, items: list[CaseOut], fmt: str, stem: str,
                   lang: str) -> Response:
    """A case list as a file: the export is audited and the file ends with a mark naming who took it and when."""
    header, rows = table(items, lang)
    fmt = "xlsx" if fmt == "xlsx" else "csv"
    entry = record(session, subject, "export", "case", [c.id for c in items],
                   {"format": fmt, "rows": len(items), "personal_data_in_clear": subject.sees_pii, "file": stem})
    session.commit()
    mark = watermark(subject, entry.id, lang)
    return download(header, [*rows, [mark]], fmt, stem)


def watermark(subject: Subject, trace: int, lang: str) -> str:
    """The mark every case export carries: who, when, and the audit entry that traces it."""
    when = fmt_dt(utcnow())
    if lang == "en":
        return f"Exported by {subject.name} at {when} · trace CL-{trace} · for official use only"
    return f"导出人 {subject.name} · {when} · 追踪号 CL-{trace} · 仅限工作使用，不得外传"
