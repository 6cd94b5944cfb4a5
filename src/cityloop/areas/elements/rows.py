"""Reading CSV/XLSX element files and checking each row on its own (no database): line-numbered zh/en problems."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from cityloop.areas.elements import codes
from cityloop.areas.elements.models import (
    BUILDING_USE_LABELS,
    COMPONENT_STATUS_LABELS,
    COMPONENT_SUBTYPES,
    ENTITY_TYPE_LABELS,
    GENDER_LABELS,
    KIND_CODE_CLASS,
    PERSON_TAG_LABELS,
    PLACE_KIND_LABELS,
    BuildingUse,
    ComponentStatus,
    ElementKind,
    EntityType,
    PlaceKind,
)

Problem = tuple[str, str, str]  # (column, zh, en)

ALIASES = {
    "要素编码": "code", "统一编码": "code", "编码": "code", "经度": "lng", "纬度": "lat", "lon": "lng",
    "longitude": "lng", "latitude": "lat", "网格编码": "grid_code", "网格": "grid_code", "区划代码": "division_code",
    "行政区划代码": "division_code", "地址": "address", "标准地址": "text", "名称": "name", "姓名": "name",
    "建筑名称": "name", "单位名称": "name", "商户名称": "name", "场所名称": "name", "层数": "floors", "用途": "use",
    "电话": "phone", "手机号": "phone", "联系电话": "phone", "身份证号": "id_number", "证件号码": "id_number",
    "性别": "gender", "出生年份": "birth_year", "户号": "household_no", "标签": "tags",
    "统一社会信用代码": "credit_code", "主体类型": "entity_type", "部件类型": "subtype", "小类": "subtype",
    "部件名称": "subtype", "大类": "element_class", "部件类别": "element_class", "状态": "status",
    "场所类型": "kind", "建筑编码": "building_code",
}
# 类型 means a different column per kind.
_TYPE_COLUMN = {ElementKind.ENTITIES: "entity_type", ElementKind.PLACES: "kind", ElementKind.BUILDINGS: "use"}
# Longest name per kind (a resident's name is stored encrypted, which roughly quadruples it).
_NAME_MAX = {ElementKind.BUILDINGS: 120, ElementKind.PEOPLE: 40, ElementKind.ENTITIES: 200, ElementKind.PLACES: 120}
_ADDRESS_MAX = 200
_ADDRESS_TOO_LONG = (f"地址过长（最多{_ADDRESS_MAX}字）", f"address is too long ({_ADDRESS_MAX} characters at most)")
_ID18 = re.compile(r"[0-9]{17}[0-9X]")
_PHONE = re.compile(r"\+?[0-9][0-9-]{5,19}")
_DIVISION = re.compile(r"[0-9]{2}|[0-9]{4}|[0-9]{6}|[0-9]{9}|[0-9]{12}")
_GRID = re.compile(r"[0-9]{16}")
_TAG_SPLIT = re.compile(r"[,，、;；\s]+")
_CREDIT_CHARS = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_CREDIT_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)


@dataclass
class ParsedRow:
    """One checked row: where the element is (as far as the row says), its own fields and any problems."""

    line: int
    code: str | None = None
    lng: float | None = None
    lat: float | None = None
    grid_code: str | None = None
    division_code: str | None = None
    address: str = ""
    code_class: tuple[int, int] = (0, 0)
    address_id: int | None = None
    building_code: str | None = None
    fields: dict[str, Any] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)

    def fail(self, column: str, zh: str, en: str) -> None:
        """Record a problem with this row."""
        self.problems.append((column, zh, en))


# ------------------------------------------------------------------------------------------------ reading


def read_table(data: bytes, filename: str) -> list[tuple[int, dict[str, str]]]:
    """(line number, row) pairs of a CSV or XLSX file; the header is line 1 and blank lines keep their numbers."""
    if filename.lower().endswith((".xlsx", ".xlsm")):
        from openpyxl import load_workbook

        sheet = load_workbook(io.BytesIO(data), read_only=True, data_only=True).worksheets[0]
        values = [[_cell(v) for v in row] for row in sheet.iter_rows(values_only=True)]
    else:
        values = list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
    if not values:
        return []
    if any("\x00" in cell for row in values for cell in row):
        raise ValueError("NUL character in the file")  # PostgreSQL cannot store it; refuse the file as unreadable
    header = [canonical(h) for h in values[0]]
    return [(line, dict(zip(header, (c.strip() for c in row), strict=False)))
            for line, row in enumerate(values[1:], start=2) if any(c.strip() for c in row)]


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e15:
        return str(int(value))  # Excel stores floors and years as floats
    return str(value)


def canonical(header: str) -> str:
    """Canonical column name of a header cell (Chinese aliases accepted)."""
    name = header.strip().lstrip("\ufeff")
    return ALIASES.get(name, ALIASES.get(name.lower(), name.lower()))


# ------------------------------------------------------------------------------------------------ rows


def parse_row(kind: ElementKind, line: int, raw: dict[str, str]) -> ParsedRow:
    """Check one row of an element file; the location is resolved later against grids and addresses."""
    if "类型" in raw and kind in _TYPE_COLUMN:
        raw = {**raw, _TYPE_COLUMN[kind]: raw["类型"]}
    row = ParsedRow(line=line, address=raw.get("address", ""))
    if len(row.address) > _ADDRESS_MAX:
        row.fail("address", *_ADDRESS_TOO_LONG)
    _location(row, raw)
    if kind in _NAME_MAX:
        row.fields["name"] = raw.get("name", "")
        if not row.fields["name"]:
            row.fail("name", "名称必填", "name is required")
        elif len(row.fields["name"]) > _NAME_MAX[kind]:
            row.fail("name", f"名称过长（最多{_NAME_MAX[kind]}字）", f"name is too long ({_NAME_MAX[kind]} at most)")
    _KIND_PARSERS[kind](row, raw)
    if kind in KIND_CODE_CLASS:
        klass, sub = KIND_CODE_CLASS[kind]
        row.code_class = (int(klass), sub)
    _code(row, raw.get("code", ""))
    return row


def _location(row: ParsedRow, raw: dict[str, str]) -> None:
    lng, lat = raw.get("lng", ""), raw.get("lat", "")
    if lng or lat:
        try:
            row.lng, row.lat = float(lng), float(lat)
        except ValueError:
            row.fail("lng", "经纬度须为数字且成对给出", "lng and lat must both be numbers")
        else:
            if not (-180 <= row.lng <= 180 and -90 <= row.lat <= 90):
                row.fail("lng", "经纬度超出范围", "lng/lat out of range")
    if raw.get("grid_code"):
        if _GRID.fullmatch(raw["grid_code"]):
            row.grid_code = raw["grid_code"]
        else:
            row.fail("grid_code", "网格编码须为16位数字", "grid_code must be 16 digits")
    if raw.get("division_code"):
        if _DIVISION.fullmatch(raw["division_code"]):
            row.division_code = raw["division_code"]
        else:
            row.fail("division_code", "区划代码须为2/4/6/9/12位数字", "division_code must have 2, 4, 6, 9 or 12 digits")


def _code(row: ParsedRow, code: str) -> None:
    if not code:
        return
    found = codes.problems(code)
    if found:
        row.fail("code", "要素编码无效：" + "；".join(found), "invalid element code: " + "; ".join(found))
    elif row.code_class[0] and int(code[codes.ADMIN_LEN + codes.BUILDING_LEN]) != row.code_class[0]:
        row.fail("code", "要素编码的类别与要素类型不符", "the element code's class does not match the element kind")
    else:
        row.code = code


def _choice(row: ParsedRow, column: str, value: str, labels: Mapping[Any, Sequence[str]], default: str) -> str:
    """A vocabulary value given as its key, Chinese or English label."""
    if not value:
        return default
    for key, label in labels.items():
        if value.lower() in {str(key).lower(), label[0], label[1].lower()}:
            return str(key)
    allowed = "、".join(label[0] for label in labels.values())
    row.fail(column, f"“{value}”无效，可选：{allowed}", f"unknown value {value!r}; allowed: {allowed}")
    return default


def _int(row: ParsedRow, column: str, value: str, low: int, high: int) -> int | None:
    if not value:
        return None
    if value.isdigit() and low <= int(value) <= high:
        return int(value)
    row.fail(column, f"须为{low}到{high}之间的整数", f"must be a whole number from {low} to {high}")
    return None


def _buildings(row: ParsedRow, raw: dict[str, str]) -> None:
    row.fields["floors"] = _int(row, "floors", raw.get("floors", ""), 1, 200)
    row.fields["use"] = _choice(row, "use", raw.get("use", ""), BUILDING_USE_LABELS, BuildingUse.OTHER)


def _people(row: ParsedRow, raw: dict[str, str]) -> None:
    phone, id_number = raw.get("phone", "").replace(" ", ""), raw.get("id_number", "").upper()
    if phone and not _PHONE.fullmatch(phone):
        row.fail("phone", "电话号码格式不正确", "phone number is malformed")
    if id_number and not id_number_valid(id_number):
        row.fail("id_number", "身份证号无效（18位，校验码不符）", "ID number is invalid (18 characters, check digit)")
    gender = _choice(row, "gender", raw.get("gender", ""), GENDER_LABELS, "")
    year = _int(row, "birth_year", raw.get("birth_year", ""), 1900, date.today().year)
    if id_number and id_number_valid(id_number):
        # The ID number already holds birth date and sex; a row that leaves them out still gets them.
        year = year or int(id_number[6:10])
        gender = gender or ("m" if int(id_number[16]) % 2 else "f")
    tags = [_choice(row, "tags", t, PERSON_TAG_LABELS, "") for t in _TAG_SPLIT.split(raw.get("tags", "")) if t]
    row.fields.update(phone=phone or None, id_number=id_number or None, gender=gender, birth_year=year,
                      household_no=raw.get("household_no", "")[:40], tags=sorted({t for t in tags if t}))


def _entities(row: ParsedRow, raw: dict[str, str]) -> None:
    credit = raw.get("credit_code", "").upper()
    if credit and not credit_code_valid(credit):
        row.fail("credit_code", "统一社会信用代码无效（18位，校验码不符）",
                 "unified social credit code is invalid (18 characters, check digit)")
    row.fields["credit_code"] = credit or None
    row.fields["entity_type"] = _choice(row, "entity_type", raw.get("entity_type", ""), ENTITY_TYPE_LABELS,
                                        EntityType.ENTERPRISE)


def _components(row: ParsedRow, raw: dict[str, str]) -> None:
    subtype, klass = raw.get("subtype", ""), raw.get("element_class", "")
    known = COMPONENT_SUBTYPES.get(subtype)
    given = _element_class(row, klass) if klass else None
    if known is None and given is None:
        row.fail("subtype", "须给出已知的部件类型或部件类别(1-7)", "give a known subtype or an element class (1-7)")
    elif known is not None and given is not None and int(known[0]) != given:
        row.fail("element_class", "部件类别与部件类型不符", "element class does not match the subtype")
    element_class = int(known[0]) if known else (given or 0)
    row.code_class = (element_class, known[1] if known else 0)
    row.fields.update(element_class=element_class, subtype=subtype[:40],
                      status=_choice(row, "status", raw.get("status", ""), COMPONENT_STATUS_LABELS,
                                     ComponentStatus.NORMAL))


def _element_class(row: ParsedRow, value: str) -> int | None:
    if value.isdigit() and int(value) in {c.value for c in codes.ElementClass}:
        return int(value)
    for klass, (zh, en) in codes.CLASS_LABELS.items():
        if value in (zh, en):
            return int(klass)
    row.fail("element_class", "部件类别须为1-7或其名称", "element class must be 1-7 or its name")
    return None


def _places(row: ParsedRow, raw: dict[str, str]) -> None:
    row.fields["kind"] = _choice(row, "kind", raw.get("kind", ""), PLACE_KIND_LABELS, PlaceKind.OTHER)


def _addresses(row: ParsedRow, raw: dict[str, str]) -> None:
    row.fields["text"] = raw.get("text") or raw.get("address", "")
    row.address = row.fields["text"]
    if not row.fields["text"]:
        row.fail("text", "地址必填", "address text is required")
    elif len(row.fields["text"]) > _ADDRESS_MAX:
        row.fail("text", *_ADDRESS_TOO_LONG)
    if row.lng is None and not any(p[0] == "lng" for p in row.problems):
        row.fail("lng", "标准地址须有经纬度", "a standard address needs lng and lat")
    building = raw.get("building_code", "")
    if building and codes.problems(building):
        row.fail("building_code", "建筑编码无效", "building_code is not a valid element code")
    row.fields["building_code"] = building or None


_KIND_PARSERS = {
    ElementKind.BUILDINGS: _buildings, ElementKind.PEOPLE: _people, ElementKind.ENTITIES: _entities,
    ElementKind.COMPONENTS: _components, ElementKind.PLACES: _places, ElementKind.ADDRESSES: _addresses,
}


# ------------------------------------------------------------------------------------------------ check digits


def id_number_valid(value: str) -> bool:
    """True for an 18-character resident ID number with a correct GB 11643 check character."""
    if not _ID18.fullmatch(value):
        return False
    total = sum(int(d) * w for d, w in zip(value[:17], _ID_WEIGHTS, strict=True))
    return "10X98765432"[total % 11] == value[17]


def credit_code_valid(value: str) -> bool:
    """True for an 18-character unified social credit code with a correct GB 32100 check character."""
    if len(value) != 18 or any(c not in _CREDIT_CHARS for c in value):
        return False
    total = sum(_CREDIT_CHARS.index(c) * w for c, w in zip(value[:17], _CREDIT_WEIGHTS, strict=True))
    return _CREDIT_CHARS[(31 - total % 31) % 31] == value[17]


def labels_of(enum_labels: Mapping[Any, Sequence[str]]) -> dict[str, dict[str, str]]:
    """Vocabulary labels as JSON: key → {zh, en}."""
    return {str(k): {"zh": v[0], "en": v[1]} for k, v in enum_labels.items()}
