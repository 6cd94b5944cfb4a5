"""Bulk import of cases from CSV/XLSX: column mapping, row validation with line numbers, resumable intake."""

from __future__ import annotations

import csv
import hashlib
import json
import re
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from pydantic import ValidationError
from pydantic_core import ErrorDetails
from sqlalchemy.orm import Session

from cityloop.cases import repository as repo
from cityloop.cases.intake import intake
from cityloop.cases.received_time import received_at_problem
from cityloop.cases.schemas import CaseIn
from cityloop.cases.states import APPEAL_META, CHANNEL_META
from cityloop.cases.taxonomy import category_exists
from cityloop.config import get_settings
from cityloop.kit.auth import SYSTEM
from cityloop.kit.clock import LOCAL_TZ, utcnow
from cityloop.kit.errors import DomainError, ValidationFailed

# Fields an import column can fill, with zh/en names for messages; the zh name is also a default header.
FIELDS: dict[str, tuple[str, str]] = {
    "external_id": ("外部编号", "external id"),
    "source_system": ("来源系统", "source system"),
    "channel": ("渠道", "channel"),
    "appeal_type": ("诉求类型", "appeal type"),
    "title": ("标题", "title"),
    "content": ("内容", "content"),
    "reporter_name": ("姓名", "reporter name"),
    "reporter_phone": ("电话", "reporter phone"),
    "reporter_id_number": ("身份证号", "reporter ID number"),
    "address": ("地址", "address"),
    "lng": ("经度", "longitude"),
    "lat": ("纬度", "latitude"),
    "division_code": ("区划代码", "division code"),
    "grid_code": ("网格编码", "grid code"),
    "category_code": ("分类代码", "category code"),
    "grade": ("等级", "grade"),
    "received_at": ("受理时间", "received at"),
    "tags": ("标签", "tags"),
}
REQUIRED_FIELDS = ("title", "content")
# Further headers seen in 12345 hotline exports, beyond each field's own name and zh name.
EXTRA_ALIASES = {
    "留言标题": "title", "诉求标题": "title", "留言详情": "content", "诉求内容": "content",
    "来电内容": "content", "来电人": "reporter_name", "联系人": "reporter_name", "联系电话": "reporter_phone",
    "来电号码": "reporter_phone", "手机号": "reporter_phone", "事发地址": "address", "来源渠道": "channel",
    "来源": "channel", "工单编号": "external_id", "来电时间": "received_at", "登记时间": "received_at",
    "分类编码": "category_code", "区划编码": "division_code", "网格编号": "grid_code",
}
DEFAULT_ALIASES: dict[str, str] = {
    **{name: name for name in FIELDS}, **{zh: name for name, (zh, _en) in FIELDS.items()}, **EXTRA_ALIASES,
}
# Cell values accepted for the enum columns besides the codes: the declared labels plus common words.
CHANNEL_WORDS = {"热线": "hotline", "12345": "hotline", "电话": "hotline", "微信": "app", "小程序": "app"}
_TIME_FORMATS = ("%Y/%m/%d %H:%M:%S", "%Y/%m/%d %H:%M", "%Y/%m/%d", "%Y%m%d%H%M%S", "%Y年%m月%d日 %H:%M",
                 "%Y年%m月%d日")
_TAG_SPLIT = re.compile(r"[,，;；、|]")
_FORMULA_START = ("=", "+", "-", "@")
_READABLE_KEY_MAX = 100
_LOCATION_FIELDS = ("address", "lng", "lat", "division_code", "grid_code")
FieldErrors = dict[str, tuple[str, str]]  # field → (zh, en)
Progress = Callable[[str, int, int | None], None]  # (phase, done, total)


@dataclass(frozen=True)
class ImportOptions:
    """How to read a file: field → header mapping, defaults for empty cells, what to do with bad rows."""

    mapping: dict[str, str] = field(default_factory=dict)
    channel: str | None = None
    appeal_type: str | None = None
    encoding: str = "utf-8-sig"
    keep_good: bool = False


@dataclass
class RowProblem:
    """A rejected row: its line in the file, field → (zh, en) messages and the original cells."""

    line: int
    errors: dict[str, tuple[str, str]]
    cells: list[str]


@dataclass
class ImportReport:
    """Outcome of a check or an import."""

    header: list[str] = field(default_factory=list)
    rows: int = 0
    valid: int = 0
    imported: int = 0
    skipped_existing: int = 0
    rejected: list[RowProblem] = field(default_factory=list)
    written: bool = False

    def summary(self) -> dict[str, Any]:
        """Counts for the CLI's JSON summary."""
        return {"rows": self.rows, "imported": self.imported, "skipped_existing": self.skipped_existing,
                "rejected": len(self.rejected), "written": self.written}


@dataclass(frozen=True)
class _Row:
    line: int
    cells: list[str]
    data: CaseIn | None
    key: str | None
    errors: dict[str, tuple[str, str]]


def import_file(session: Session, path: Path, options: ImportOptions,
                progress: Progress | None = None) -> ImportReport:
    """Check every row, then file the valid ones (all or none unless `keep_good`); re-runs skip filed rows."""
    report = check_file(session, path, options, progress)
    if report.rejected and not options.keep_good:
        return report
    report.written = True
    done = 0
    for row in _rows(session, path, options):
        if row.data is None or row.key is None:
            continue
        _file_row(session, row, report)
        done += 1
        if progress:
            progress("import", done, report.valid)
    return report


def check_file(session: Session, path: Path, options: ImportOptions,
               progress: Progress | None = None) -> ImportReport:
    """Validate every row without writing; rejected rows keep their line numbers."""
    report = ImportReport()
    for row in _rows(session, path, options, report):
        report.rows += 1
        if row.errors:
            report.rejected.append(RowProblem(row.line, row.errors, row.cells))
        else:
            report.valid += 1
        if progress:
            progress("check", report.rows, None)
    return report


def _file_row(session: Session, row: _Row, report: ImportReport) -> None:
    assert row.data is not None  # callers pass valid rows only
    try:
        # Each row is its own transaction under a key derived from the row, so a re-run after a crash
        # finds the rows already filed and files only the rest.
        _case, created = intake(session, SYSTEM, row.data, idempotency_key=row.key)
    except ValidationFailed as exc:
        session.rollback()
        report.rejected.append(RowProblem(row.line, dict(exc.fields), row.cells))
        return
    except DomainError as exc:
        session.rollback()
        report.rejected.append(RowProblem(row.line, {"row": (exc.zh, exc.en)}, row.cells))
        return
    finally:
        # Rows are independent; an ever-growing identity map would only cost memory on big files.
        session.expunge_all()
    if created:
        report.imported += 1
    else:
        report.skipped_existing += 1


def _rows(session: Session, path: Path, options: ImportOptions,
          report: ImportReport | None = None) -> Iterator[_Row]:
    """Every data row, parsed and checked, in file order (deterministic, so keys repeat across runs)."""
    table = read_table(path, options.encoding)
    header_line = next(table, None)
    if header_line is None:
        return
    header = header_line[1]
    if report is not None:
        report.header = header
    columns = resolve_columns(header, options.mapping)
    checker = _RowChecker(session)
    for line, cells in table:
        values = {name: _unescape(cells[i]) if i < len(cells) else "" for name, i in columns.items()}
        data, errors = build_case(values, options)
        key = None
        if data is not None:
            errors = checker.problems(data, line)
            key = None if errors else checker.key(data)
        yield _Row(line, cells, None if errors else data, key, errors)


def read_table(path: Path, encoding: str = "utf-8-sig") -> Iterator[tuple[int, list[str]]]:
    """(line, cells) of every non-blank row of a CSV or XLSX file (first sheet); the first is the header."""
    if not path.is_file():
        raise ValidationFailed({"file": (f"文件不存在：{path}", f"No such file: {path}")})
    if path.suffix.lower() in {".xlsx", ".xlsm"}:
        return _xlsx_rows(path)
    return _csv_rows(path, encoding)


def _csv_rows(path: Path, encoding: str) -> Iterator[tuple[int, list[str]]]:
    with path.open(newline="", encoding=encoding) as fh:
        reader = csv.reader(fh)
        start = 1
        try:
            for cells in reader:
                # A quoted cell may span lines: report the line where the record starts.
                line, start = start, reader.line_num + 1
                if any(c.strip() for c in cells):
                    yield line, [c.strip() for c in cells]
        except UnicodeDecodeError as exc:
            raise ValidationFailed({"file": (
                f"第 {start} 行附近不是 {encoding} 编码，可用 --encoding gb18030 重试",
                f"Not {encoding} near line {start}; try --encoding gb18030")}) from exc


def _xlsx_rows(path: Path) -> Iterator[tuple[int, list[str]]]:
    from openpyxl import load_workbook

    try:
        workbook = load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises several types (zip, XML, format) for one cause: not a workbook
        raise ValidationFailed({"file": (f"无法读取 Excel 文件：{exc}",
                                         f"Cannot read the workbook: {exc}")}) from exc
    try:
        for line, values in enumerate(workbook.worksheets[0].iter_rows(values_only=True), start=1):
            cells = [_cell_text(v) for v in values]
            if any(cells):
                yield line, cells
    finally:
        workbook.close()


def _cell_text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.isoformat(sep=" ")
    if isinstance(value, float) and value.is_integer():
        return str(int(value))  # codes and phone numbers typed as numbers in Excel
    return str(value).strip()


def _unescape(value: str) -> str:
    # Exports prefix formula-like cells with a quote so spreadsheets show them as text; undo that here.
    return value[1:] if value[:1] == "'" and value[1:2] in _FORMULA_START else value


def resolve_columns(header: list[str], mapping: dict[str, str]) -> dict[str, int]:
    """Field → column index from the explicit mapping plus the default headers."""
    unknown = sorted(set(mapping) - FIELDS.keys())
    if unknown:
        names, known = ", ".join(unknown), ", ".join(FIELDS)
        raise ValidationFailed({"mapping": (f"未知字段：{names}（可用：{known}）",
                                            f"Unknown field(s) {names}; known: {known}")})
    index: dict[str, int] = {}
    for i, name in enumerate(header):
        index.setdefault(name, i)
    columns: dict[str, int] = {}
    for name, column in mapping.items():
        if column not in index:
            columns_text = ", ".join(header)
            raise ValidationFailed({name: (f"文件中没有列“{column}”（表头：{columns_text}）",
                                           f"No column '{column}' in the file (header: {columns_text})")})
        columns[name] = index[column]
    _add_default_columns(header, mapping, columns)
    missing = [name for name in REQUIRED_FIELDS if name not in columns]
    if missing:
        raise ValidationFailed({name: (f"找不到{FIELDS[name][0]}列，请用 --map {name}=列名 指定",
                                       f"No {FIELDS[name][1]} column; name it with --map {name}=HEADER")
                                for name in missing})
    return columns


def _add_default_columns(header: list[str], mapping: dict[str, str], columns: dict[str, int]) -> None:
    claimed = set(columns.values())
    for i, column in enumerate(header):
        name = DEFAULT_ALIASES.get(column) or DEFAULT_ALIASES.get(column.lower())
        if name is None or name in mapping or i in claimed:
            continue
        if name in columns:
            other = header[columns[name]]
            raise ValidationFailed({name: (
                f"“{other}”和“{column}”都可作为{FIELDS[name][0]}，请用 --map {name}=列名 指定",
                f"Both '{other}' and '{column}' could be the {FIELDS[name][1]}; "
                f"choose with --map {name}=HEADER")})
        columns[name] = i


def build_case(values: dict[str, str], options: ImportOptions) -> tuple[CaseIn | None, FieldErrors]:
    """A validated `CaseIn` from one row's field values, or field → (zh, en) errors."""
    errors: dict[str, tuple[str, str]] = {}
    received_at = _parse_time(values.get("received_at", ""), errors)
    payload = _drop_empty({
        "channel": _choice(values.get("channel") or options.channel or "", _CHANNELS),
        "appeal_type": _choice(values.get("appeal_type") or options.appeal_type or "", _APPEAL_TYPES),
        "title": values.get("title"), "content": values.get("content"),
        "reporter": _drop_empty({"name": values.get("reporter_name"), "phone": values.get("reporter_phone"),
                                 "id_number": values.get("reporter_id_number")}),
        "location": _drop_empty({k: values.get(k) for k in _LOCATION_FIELDS}),
        "category_code": values.get("category_code"), "grade": values.get("grade"),
        "external_id": values.get("external_id"), "source_system": values.get("source_system"),
        "tags": [t.strip() for t in _TAG_SPLIT.split(values.get("tags", "")) if t.strip()],
        "received_at": received_at,
    })
    try:
        data = CaseIn.model_validate(payload)
    except ValidationError as exc:
        for err in exc.errors():
            errors.setdefault(_field_of(err["loc"]), _message(err))
        return None, errors
    return (None, errors) if errors else (data, {})


def _drop_empty(values: dict[str, Any]) -> dict[str, Any]:
    # Empty cells mean "not given", so pydantic reports a missing required field rather than a too-short one.
    return {k: v for k, v in values.items() if v not in (None, "", [], {})}


def _choices(meta: Mapping[Any, tuple[str, str]], extra: dict[str, str]) -> dict[str, str]:
    words = {str(code).lower(): str(code) for code in meta}
    for code, labels in meta.items():
        words.update({label.lower(): str(code) for label in labels[:2]})
    return {**words, **extra}


_CHANNELS = _choices(CHANNEL_META, {**CHANNEL_WORDS, "12345热线": "hotline"})
_APPEAL_TYPES = _choices(APPEAL_META, {})


def _choice(value: str, words: dict[str, str]) -> str:
    return words.get(value.strip().lower(), value)


def _parse_time(text: str, errors: dict[str, tuple[str, str]]) -> datetime | None:
    if not text:
        return None
    value = _try_formats(text.strip())
    if value is None:
        errors["received_at"] = ("时间格式应为 YYYY-MM-DD HH:MM[:SS]",
                                 "Time must look like YYYY-MM-DD HH:MM[:SS]")
        return None
    # Times without a zone are local (Asia/Shanghai), as in the hotline's own exports.
    value = value if value.tzinfo else value.replace(tzinfo=LOCAL_TZ)
    problem = received_at_problem(value, utcnow())
    if problem:
        errors["received_at"] = problem
    return value


def _try_formats(text: str) -> datetime | None:
    try:
        return datetime.fromisoformat(text)
    except ValueError:
        pass
    for fmt in _TIME_FORMATS:
        try:
            return datetime.strptime(text, fmt)
        except ValueError:
            continue
    return None


def _field_of(loc: tuple[int | str, ...]) -> str:
    if len(loc) >= 2 and loc[0] == "reporter":
        return f"reporter_{loc[1]}"
    if len(loc) >= 2 and loc[0] == "location":
        return str(loc[1])
    return str(loc[0]) if loc else "row"


def _message(err: ErrorDetails) -> tuple[str, str]:
    ctx: dict[str, Any] = dict(err.get("ctx") or {})
    zh = {
        "missing": "必填",
        "string_too_short": f"至少 {ctx.get('min_length')} 个字符",
        "string_too_long": f"最多 {ctx.get('max_length')} 个字符",
        "string_pattern_mismatch": "格式不正确",
        "enum": f"取值应为 {ctx.get('expected')}",
        "float_parsing": "应为数字",
        "greater_than_equal": f"应不小于 {ctx.get('ge')}",
        "less_than_equal": f"应不大于 {ctx.get('le')}",
        "too_long": f"最多 {ctx.get('max_length')} 项",
    }.get(err["type"], "取值无效")
    return zh, err["msg"]


class _RowChecker:
    """Intake's database-backed rules, checked up front so a bad row never stops an import midway."""

    def __init__(self, session: Session) -> None:
        self.session = session
        version = repo.active_version(session)
        self.version_id = version.id if version else None
        self.city = get_settings().city_code
        self.external_lines: dict[str, int] = {}
        self.content_seen: dict[str, int] = {}

    def problems(self, data: CaseIn, line: int) -> dict[str, tuple[str, str]]:
        """Field → (zh, en) problems of a schema-valid row."""
        errors: dict[str, tuple[str, str]] = {}
        code = data.category_code
        version = self.version_id
        if code and (version is None or not category_exists(self.session, version, code, leaf_only=True)):
            errors["category_code"] = (f"分类 {code} 不存在或不是末级分类",
                                       f"Category {code} does not exist or is not a leaf")
        division = data.location.division_code
        if division and not division.startswith(self.city) and not self.city.startswith(division):
            errors["division_code"] = (f"区划代码 {division} 不在本市范围内",
                                       f"Division {division} is outside this city")
        if data.external_id:
            ident = self._external_ident(data)
            first = self.external_lines.setdefault(ident, line)
            if first != line:
                errors["external_id"] = (f"外部编号与第 {first} 行重复", f"External id repeats line {first}")
        return errors

    def key(self, data: CaseIn) -> str:
        """Idempotency key of a valid row: its external id, else a hash of its content and occurrence."""
        if data.external_id:
            ident = self._external_ident(data)
            if len(ident) <= _READABLE_KEY_MAX:
                return f"import:x:{ident}"
            return f"import:h:{hashlib.sha256(ident.encode()).hexdigest()}"
        content = json.dumps(data.model_dump(mode="json"), sort_keys=True, ensure_ascii=False)
        digest = hashlib.sha256(content.encode()).hexdigest()
        # Identical rows are still distinct appeals; numbering them keeps each one exactly once per file.
        seen = self.content_seen[digest] = self.content_seen.get(digest, 0) + 1
        return f"import:c:{digest}:{seen}"

    @staticmethod
    def _external_ident(data: CaseIn) -> str:
        return f"{data.source_system}/{data.external_id}" if data.source_system else str(data.external_id)
