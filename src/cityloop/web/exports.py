"""Exports of any case list to CSV or XLSX; personal data arrives already masked by `cases.service.present`."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from fastapi import Response

from cityloop.cases.schemas import CaseOut
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


def cases_download(items: list[CaseOut], fmt: str, stem: str, lang: str) -> Response:
    """A case list as a file."""
    header, rows = table(items, lang)
    return download(header, rows, fmt, stem)
