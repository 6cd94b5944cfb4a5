"""Elements into the grid (要素入格): CSV/XLSX import with row-level errors, placement, unified codes, moves."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.orm import Session

from cityloop.areas import repository as areas_repo
from cityloop.areas.addresses import standard as standard_addresses
from cityloop.areas.addresses.locate import division_of
from cityloop.areas.addresses.standardizer import standardize
from cityloop.areas.elements import codes
from cityloop.areas.elements import repository as repo
from cityloop.areas.elements.models import (
    ELEMENT_MODELS,
    KIND_CODE_CLASS,
    ElementKind,
    ElementMixin,
    StandardAddress,
)
from cityloop.areas.elements.rows import ParsedRow, Problem, parse_row, read_table
from cityloop.areas.grids import index as grid_index
from cityloop.areas.grids.models import Grid, GridStatus
from cityloop.audit import service as audit
from cityloop.config import get_settings
from cityloop.kit.auth import Role, Subject
from cityloop.kit.crypto import blind_index, encrypt
from cityloop.kit.errors import Forbidden, NotFound, ValidationFailed

MIN_DIVISION_LEN = 6  # an element code's admin unit starts with a county-level code
_ADDRESS_PARTS = ("province", "city", "district", "town", "community", "road", "number", "poi", "building", "unit",
                  "room")


@dataclass
class RowError:
    """Why one row (by its line in the file; the header is line 1) was rejected."""

    line: int
    problems: list[Problem]

    def to_dict(self) -> dict[str, Any]:
        """JSON form."""
        return {"line": self.line, "errors": [{"field": f, "zh": zh, "en": en} for f, zh, en in self.problems]}


@dataclass
class ImportReport:
    """Outcome of an import: codes created (texts for addresses) and the rejected rows."""

    kind: str
    created: list[str] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        """JSON form."""
        return {"kind": self.kind, "created": len(self.created), "codes": self.created,
                "errors": [e.to_dict() for e in self.errors]}


def require_admin(subject: Subject) -> None:
    """Registry imports are an administrator's job."""
    if not subject.has(Role.ADMIN):
        raise Forbidden("只有管理员可以导入要素", "Only administrators may import elements")


def import_file(session: Session, subject: Subject, kind: ElementKind, data: bytes, filename: str,
                keep_good: bool = False) -> ImportReport:
    """Import a CSV/XLSX file of one kind; all-or-nothing unless `keep_good` (then bad rows are skipped)."""
    require_admin(subject)
    try:
        rows = read_table(data, filename)
    except Exception as err:  # any failure to parse an uploaded file is the file's fault, not ours
        raise ValidationFailed({"file": ("无法读取文件（需 UTF-8 CSV 或 XLSX）",
                                         f"cannot read the file (UTF-8 CSV or XLSX expected): {err}")}) from None
    return import_rows(session, subject, kind, rows, keep_good)


def import_rows(session: Session, subject: Subject, kind: ElementKind, rows: list[tuple[int, dict[str, str]]],
                keep_good: bool = False) -> ImportReport:
    """Check, place, code and insert rows of one kind."""
    require_admin(subject)
    if not rows:
        raise ValidationFailed({"file": ("没有数据行", "no data rows")})
    placer = _Placer(session, subject, kind)
    parsed = [parse_row(kind, line, raw) for line, raw in rows]
    for row in parsed:
        if not row.problems:
            placer.place(row)
    _check_unique(session, kind, parsed)
    report = ImportReport(kind, errors=[RowError(r.line, r.problems) for r in parsed if r.problems])
    if report.errors and not keep_good:
        raise _rejected(report.errors)
    good = [r for r in parsed if not r.problems]
    if kind is ElementKind.ADDRESSES:
        report.created = insert_addresses(session, good)
    else:
        report.created = insert_rows(session, kind, good)
    audit.record(session, subject, f"import_{kind}", kind.value, [],
                 {"created": len(report.created), "rejected": len(report.errors)})
    session.commit()
    # Addresses change with address imports and with buildings, which write their code onto the address.
    standard_addresses.invalidate()
    return report


def _rejected(errors: list[RowError]) -> ValidationFailed:
    err = ValidationFailed({f"line {e.line}": ("；".join(f"{f}: {zh}" for f, zh, _ in e.problems),
                                               "; ".join(f"{f}: {en}" for f, _, en in e.problems)) for e in errors})
    err.details["rows"] = [e.to_dict() for e in errors]
    return err


# ------------------------------------------------------------------------------------------------ placement


class _Placer:
    """Fills each row's address link, point, grid and division; remembers lookups across the file."""

    def __init__(self, session: Session, subject: Subject, kind: ElementKind) -> None:
        self.session, self.subject, self.kind = session, subject, kind
        self.city = get_settings().city_code
        self._known: dict[str, bool] = {}
        self._grids: dict[str, Grid | None] = {}
        self._table: standard_addresses.DbAddressTable | None = None

    def place(self, row: ParsedRow) -> None:
        """Resolve where the row's element is, or record why it cannot be placed."""
        if self.kind is ElementKind.ADDRESSES:
            self._parse_address(row)
        elif row.address:
            self._link_address(row)
        if row.grid_code is not None:
            self._from_grid(row)
        elif row.lng is not None and row.lat is not None:
            self._from_point(row)
        if row.division_code is None and row.address:
            row.division_code = self._known_prefix(division_of(standardize(row.address, within=self.city)
                                                               .division_code))
        self._check_division(row)

    def _link_address(self, row: ParsedRow) -> None:
        if self._table is None:
            self._table = standard_addresses.table_for(self.session)
        found = self._table.find(row.address)
        if found is None:
            return
        row.address_id, row.building_code = found.id, found.building_code
        if row.lng is None:
            row.lng, row.lat = found.lng, found.lat

    def _parse_address(self, row: ParsedRow) -> None:
        parsed = standardize(row.fields["text"], within=self.city)
        row.fields.update({part: getattr(parsed, part) for part in _ADDRESS_PARTS})

    def _from_grid(self, row: ParsedRow) -> None:
        assert row.grid_code is not None
        if row.grid_code not in self._grids:
            self._grids[row.grid_code] = areas_repo.get_grid(self.session, self.subject, row.grid_code)
        grid = self._grids[row.grid_code]
        if grid is None or grid.status != GridStatus.ACTIVE:
            row.fail("grid_code", "网格不存在、已撤销或不在本辖区", "grid unknown, retired or outside your area")
            return
        self._agree(row, grid.division_code)

    def _from_point(self, row: ParsedRow) -> None:
        assert row.lng is not None
        assert row.lat is not None
        found = grid_index.lookup(self.session, row.lng, row.lat)
        if found is not None:
            row.grid_code = found[0]
            self._agree(row, found[1])

    def _agree(self, row: ParsedRow, grid_division: str) -> None:
        """Take the grid's division, unless the row names a different one."""
        given = row.division_code
        if given and not (grid_division.startswith(given) or given.startswith(grid_division)):
            row.fail("division_code", f"网格属于{grid_division}，与区划代码不符",
                     f"the grid belongs to {grid_division}, not to the given division")
        row.division_code = grid_division if not given or grid_division.startswith(given) else given

    def _check_division(self, row: ParsedRow) -> None:
        code = row.division_code
        if row.problems:
            return
        if code is None:
            row.fail("location", "无法定位：请给出经纬度、网格编码、区划代码或可匹配的地址",
                     "cannot place the row: give lng/lat, grid_code, division_code or a matching address")
        elif self._known_prefix(code) != code:
            row.fail("division_code", f"区划{code}不存在", f"division {code} does not exist")
        elif len(code) < MIN_DIVISION_LEN:
            row.fail("division_code", "至少须定位到区县", "the place must be known at least to the district")
        elif Role.SYSTEM not in self.subject.roles and not code.startswith(self.subject.scope or "\0"):
            row.fail("division_code", "不在本辖区范围内", "outside your area")

    def _known_prefix(self, code: str | None) -> str | None:
        """The longest prefix of `code` that is a known division (the standardiser's codes may go deeper)."""
        if not code:
            return None
        candidates = [code[:w] for w in (12, 9, 6, 4, 2) if w <= len(code)]
        unknown = {c for c in candidates if c not in self._known}
        if unknown:
            found = areas_repo.existing_divisions(self.session, unknown)
            self._known.update({c: c in found for c in unknown})
        return next((c for c in candidates if self._known[c]), None)


# ------------------------------------------------------------------------------------------------ uniqueness


def _check_unique(session: Session, kind: ElementKind, rows: list[ParsedRow]) -> None:
    """Codes, ID numbers, credit codes and address texts may appear once in the file and not yet be stored."""
    keys: list[tuple[str, Any, Any]] = [("code", lambda r: r.code, lambda vs: repo.codes_taken(session, vs))]
    if kind is ElementKind.PEOPLE:
        keys.append(("id_number", lambda r: blind_index(r.fields.get("id_number")),
                     lambda vs: repo.id_indexes_taken(session, vs)))
    elif kind is ElementKind.ENTITIES:
        keys.append(("credit_code", lambda r: r.fields.get("credit_code"),
                     lambda vs: repo.credit_codes_taken(session, vs)))
    elif kind is ElementKind.ADDRESSES:
        keys.append(("text", lambda r: r.fields.get("text"), lambda vs: repo.address_texts_taken(session, vs)))
    for column, value_of, taken_in in keys:
        values = {r.line: value_of(r) for r in rows if value_of(r)}
        taken = taken_in(set(values.values()))
        first_line: dict[Any, int] = {}
        for row in rows:
            value = values.get(row.line)
            if value is None:
                continue
            if value in taken:
                row.fail(column, "已登记", "already registered")
            elif value in first_line:
                row.fail(column, f"与第{first_line[value]}行重复", f"duplicates line {first_line[value]}")
            else:
                first_line[value] = row.line


# ------------------------------------------------------------------------------------------------ insert


def insert_addresses(session: Session, rows: list[ParsedRow]) -> list[str]:
    """Store checked, placed address rows; returns their texts."""
    names = _community_names(session, {r.division_code for r in rows if r.division_code})
    for row in rows:
        values = {k: v for k, v in row.fields.items() if k != "text"}
        values["community"] = values.get("community") or names.get(row.division_code or "")
        session.add(StandardAddress(text=row.fields["text"], division_code=row.division_code, lng=row.lng, lat=row.lat,
                                    grid_code=row.grid_code, **values))
    session.flush()
    return [r.fields["text"] for r in rows]


def _community_names(session: Session, division_codes: set[str]) -> dict[str, str]:
    out = {}
    for code in sorted(c for c in division_codes if len(c) == 12):
        found = areas_repo.division(session, code)
        if found is not None:
            out[code] = found.name
    return out


def insert_rows(session: Session, kind: ElementKind, rows: list[ParsedRow]) -> list[str]:
    """Store checked, placed element rows with new codes where they have none; returns the codes."""
    allocate = code_allocator(session, {codes.admin_unit(r.division_code or "") for r in rows},
                              [r.code for r in rows if r.code])
    created = []
    for row in rows:
        code = row.code or allocate(kind, row)
        session.add(build_element(kind, code, row))
        created.append(code)
    session.flush()
    if kind is ElementKind.BUILDINGS:
        _link_buildings(session, rows, created)
    return created


def _link_buildings(session: Session, rows: list[ParsedRow], created: list[str]) -> None:
    """A new building becomes the building of its standard address when that has none yet."""
    for row, code in zip(rows, created, strict=True):
        if row.address_id is not None and row.building_code is None:
            address = repo.address_by_id(session, row.address_id)
            if address is not None and address.building_code is None:
                address.building_code = code


class _Allocator:
    """Unified codes for new elements: buildings get the next building number of their admin unit."""

    def __init__(self, existing: list[str], buildings: list[str]) -> None:
        self.codes = codes.CodeAllocator(existing)
        self.next_building: dict[str, int] = {}
        for code in buildings:
            admin, number = code[:codes.ADMIN_LEN], int(code[codes.ADMIN_LEN:codes.ADMIN_LEN + codes.BUILDING_LEN])
            self.next_building[admin] = max(self.next_building.get(admin, 1), number + 1)

    def __call__(self, kind: ElementKind, row: ParsedRow) -> str:
        """A new code for the row's element."""
        division = row.division_code or ""
        klass, sub = row.code_class
        if kind is ElementKind.BUILDINGS:
            admin = codes.admin_unit(division)
            number = self.next_building.get(admin, 1)
            self.next_building[admin] = number + 1
            return self.codes.allocate(division, klass, sub, building=f"{number:0{codes.BUILDING_LEN}d}")
        building = row.building_code[codes.ADMIN_LEN:codes.ADMIN_LEN + codes.BUILDING_LEN] \
            if row.building_code else codes.NO_BUILDING
        return self.codes.allocate(division, klass, sub, building=building)


def code_allocator(session: Session, admin_units: set[str], given: list[str]) -> _Allocator:
    """An allocator that knows every code already used in `admin_units` (and the file's own codes)."""
    existing = repo.codes_under(session, admin_units)
    klass = codes.class_field(*KIND_CODE_CLASS[ElementKind.BUILDINGS])
    start = codes.ADMIN_LEN + codes.BUILDING_LEN
    buildings = [c for c in existing + given if c[start:start + codes.CLASS_LEN] == klass]
    return _Allocator(existing + given, buildings)


def build_element(kind: ElementKind, code: str, row: ParsedRow) -> ElementMixin:
    """A new element row from checked fields (personal data encrypted)."""
    values = dict(row.fields)
    if kind is ElementKind.PEOPLE:
        values["id_number_index"] = blind_index(values.get("id_number"))
        for name in ("name", "phone", "id_number"):
            values[name] = encrypt(values.get(name))
    model: Any = ELEMENT_MODELS[kind]
    return model(code=code, division_code=row.division_code, grid_code=row.grid_code, lng=row.lng,
                                lat=row.lat, address_id=row.address_id, address=row.address[:200], **values)


# ------------------------------------------------------------------------------------------------ moves


def move(session: Session, subject: Subject, kind: ElementKind, code: str, lng: float, lat: float) -> dict[str, Any]:
    """Move an element to a new point: grid and division follow the point, the code never changes."""
    if not subject.has(Role.ADMIN, Role.GRID_WORKER):
        raise Forbidden("只有管理员或网格员可以更新要素位置", "Only administrators or grid workers may move elements")
    model = ELEMENT_MODELS.get(kind)
    element = repo.element_by_code(session, subject, model, code) if model else None
    if element is None:
        raise NotFound("要素不存在", "No such element")
    found = grid_index.lookup(session, lng, lat)
    division = found[1] if found else element.division_code
    if Role.SYSTEM not in subject.roles and not division.startswith(subject.scope or "\0"):
        raise Forbidden("新位置不在本辖区", "The new place is outside your area")
    element.place(division, found[0] if found else None, lng, lat)
    session.commit()
    return {"code": element.code, "division_code": element.division_code, "grid_code": element.grid_code,
            "lng": element.lng, "lat": element.lat}


def regrid(session: Session, subject: Subject, grid_codes: list[str]) -> int:
    """After a merge or split: move the elements and addresses of `grid_codes` into the grids at their points."""
    if not subject.has(Role.ADMIN):
        raise Forbidden("只有管理员可以重新入格", "Only administrators may re-grid elements")
    moved = 0
    models: list[type[Any]] = [StandardAddress, *ELEMENT_MODELS.values()]
    for model in models:
        for element in repo.elements_in_grids(session, subject, model, grid_codes):
            if element.lng is None or element.lat is None:
                continue
            found = grid_index.lookup(session, element.lng, element.lat)
            grid = found[0] if found else None
            if grid != element.grid_code:
                element.grid_code = grid
                element.division_code = found[1] if found else element.division_code
                moved += 1
    session.commit()
    standard_addresses.invalidate()  # standard addresses carry their grid
    return moved
