"""Exports of any case list to CSV or XLSX: personal data in clear only with an approval, always audited."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from fastapi import Response
from sqlalchemy.orm import Session

from cityloop.audit.service import record
from cityloop.cases.schemas import CaseOut
from cityloop.governance.sharing.exports.service import consume
from cityloop.kit.auth import Subject
from cityloop.kit.clock import utcnow
from cityloop.kit.masking import mask_id_number, mask_name, mask_phone
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
    """A case list as a file: the export is audited and the file ends with a mark naming who took it and when.

    Personal data leaves in clear only under an approval for this export (single use, or valid for a day); without
    one the file is masked and says how to ask for it.
    """
    approval = consume(session, subject, stem) if subject.sees_pii else None
    if approval is None and subject.sees_pii:  # other roles already got masked values from the case service
        items = [masked_reporter(c) for c in items]
    header, rows = table(items, lang)
    fmt = "xlsx" if fmt == "xlsx" else "csv"
    entry = record(session, subject, "export", "case", [c.id for c in items],
                   {"format": fmt, "rows": len(items), "personal_data_in_clear": approval is not None,
                    "approval": approval.id if approval else None, "file": stem})
    session.commit()
    note = [[masked_note(stem, lang)]] if approval is None and subject.sees_pii else []
    return download(header, [*rows, *note, [watermark(subject, entry.id, lang)]], fmt, stem)


def masked_reporter(case: CaseOut) -> CaseOut:
    """The case with its reporter's name, phone and ID number masked."""
    reporter = dict(case.reporter)
    for name, rule in (("name", mask_name), ("phone", mask_phone), ("id_number", mask_id_number)):
        if name in reporter:
            reporter[name] = rule(reporter[name])
    return case.model_copy(update={"reporter": reporter})


def masked_note(stem: str, lang: str) -> str:
    """Why the file is masked, and where to ask for a clear export."""
    if lang == "en":
        return f"Personal data masked: a clear export needs an approval, ask at /sharing/exports?export={stem}"
    return f"个人信息已脱敏：明文导出需经审批，申请地址 /sharing/exports?export={stem}"


def watermark(subject: Subject, trace: int, lang: str) -> str:
    """The mark every case export carries: who, when, and the audit entry that traces it."""
    when = fmt_dt(utcnow())
    if lang == "en":
        return f"Exported by {subject.name} at {when} · trace CL-{trace} · for official use only"
    return f"导出人 {subject.name} · {when} · 追踪号 CL-{trace} · 仅限工作使用，不得外传"
