"""One catalogue row (CSV/XLSX) → checked item fields, and back for export."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from cityloop.services.guides import rules

COLUMNS = ("code", "basic_code", "name", "item_type", "service_object", "unit", "division_code", "legal_days",
           "promised_days", "fees", "channels", "themes", "keywords", "materials", "guide")
REQUIRED = ("code", "basic_code", "name", "item_type", "service_object", "unit", "division_code", "legal_days",
            "promised_days")
ITEM_TYPES = {"行政许可", "行政给付", "行政确认", "行政征收", "行政裁决", "行政奖励", "其他行政权力", "公共服务"}
OBJECTS = {"自然人", "法人", "自然人/法人"}
CHANNELS = {"online", "window", "citywide", "cross_province"}
MAX_DAYS = 365
Problem = tuple[str, str, str]  # (column, zh, en)


@dataclass
class ItemRow:
    """A checked row: the item's fields, or the problems found with it."""

    line: int
    fields: dict[str, Any] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)


def parse_row(line: int, raw: dict[str, str]) -> ItemRow:
    """Check one row; materials are `名称*份数` separated by `;`, a trailing `?` marks guide-selected ones."""
    row = ItemRow(line)
    for col in REQUIRED:
        if not raw.get(col):
            row.problems.append((col, "必填", "required"))
    if row.problems:
        return row
    f = row.fields
    f.update(code=raw["code"][:40], basic_code=raw["basic_code"][:40], name=raw["name"][:200],
             unit_name=raw["unit"][:120], division_code=raw["division_code"], fees=raw.get("fees", ""),
             keywords=raw.get("keywords", ""), item_type=raw["item_type"], service_object=raw["service_object"])
    if raw["item_type"] not in ITEM_TYPES:
        row.problems.append(("item_type", "事项类型不在八类之内", "not one of the eight item types"))
    if raw["service_object"] not in OBJECTS:
        row.problems.append(("service_object", "服务对象应为 自然人、法人 或 自然人/法人",
                             "service object must be 自然人, 法人 or 自然人/法人"))
    if not raw["division_code"].isdigit() or len(raw["division_code"]) > 12:
        row.problems.append(("division_code", "应为区划代码", "must be a division code"))
    _days(row, raw)
    f["channels"] = _list(raw.get("channels", ""))
    bad = [c for c in f["channels"] if c not in CHANNELS]
    if bad:
        row.problems.append(("channels", f"未知渠道：{','.join(bad)}", f"unknown channels: {','.join(bad)}"))
    f["themes"] = _list(raw.get("themes", ""))
    _materials(row, raw.get("materials", ""))
    _guide(row, raw.get("guide", ""))
    return row


def _list(text: str) -> list[str]:
    return [p.strip() for p in text.replace("；", ";").split(";") if p.strip()]


def _days(row: ItemRow, raw: dict[str, str]) -> None:
    for col in ("legal_days", "promised_days"):
        text = raw[col]
        if not text.isdigit() or int(text) > MAX_DAYS:
            row.problems.append((col, f"应为 0–{MAX_DAYS} 的工作日数", f"working days from 0 to {MAX_DAYS}"))
        else:
            row.fields[col] = int(text)
    legal, promised = row.fields.get("legal_days"), row.fields.get("promised_days")
    if legal is not None and promised is not None and promised > legal:
        row.problems.append(("promised_days", "承诺时限不能长于法定时限", "the promised limit exceeds the legal limit"))


def _materials(row: ItemRow, text: str) -> None:
    materials: list[dict[str, Any]] = []
    for part in _list(text):
        guided = part.endswith("?")
        name, _, copies = part.rstrip("?").partition("*")
        if not copies:
            copies = "1"
        if not name or not copies.isdigit() or not 1 <= int(copies) <= 20:
            row.problems.append(("materials", f"材料格式应为 名称*份数：{part}",
                                 f"material must be name*copies: {part}"))
            continue
        materials.append({"key": name, "name": name, "copies": int(copies),
                          "required": "guide" if guided else "always"})
    if len({m["key"] for m in materials}) != len(materials):
        row.problems.append(("materials", "材料名称重复", "a material is listed twice"))
    row.fields["materials"] = materials


def _guide(row: ItemRow, text: str) -> None:
    row.fields["guide"] = {}
    if not text:
        return
    try:
        guide = json.loads(text)
    except ValueError:
        row.problems.append(("guide", "情形引导应为 JSON", "the guide must be JSON"))
        return
    try:
        rules.validate(guide, {m["key"] for m in row.fields["materials"]})
    except rules.ValidationFailed as exc:
        for name, (zh, en) in exc.fields.items():
            row.problems.append(("guide", f"{name}：{zh}", f"{name}: {en}"))
        return
    row.fields["guide"] = guide


def to_row(item: Any) -> dict[str, str]:
    """The export row of an item (the same columns the import reads)."""
    materials = ";".join(f"{m['name']}*{m['copies']}{'?' if m.get('required') == 'guide' else ''}"
                         for m in item.materials)
    return {"code": item.code, "basic_code": item.basic_code, "name": item.name, "item_type": item.item_type,
            "service_object": item.service_object, "unit": item.unit_name, "division_code": item.division_code,
            "legal_days": str(item.legal_days), "promised_days": str(item.promised_days), "fees": item.fees,
            "channels": ";".join(item.channels), "themes": ";".join(item.themes), "keywords": item.keywords,
            "materials": materials, "guide": json.dumps(item.guide, ensure_ascii=False) if item.guide else ""}
