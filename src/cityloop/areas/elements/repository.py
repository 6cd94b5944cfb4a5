"""All SQL over standard addresses and elements. Every query over them starts from `scope_elements` (the area scope)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, TypeVar

from sqlalchemy import ColumnElement, Select, String, cast, false, func, select
from sqlalchemy.orm import Session

from cityloop.areas.elements.models import (
    ELEMENT_MODELS,
    AreaMixin,
    Component,
    ElementMixin,
    LegalEntity,
    Person,
    StandardAddress,
)
from cityloop.cases.models import Case
from cityloop.cases.repository import scope_filter
from cityloop.cases.states import OPEN_STATES
from cityloop.kit.auth import SYSTEM, Role, Subject

AreaModel = type[AreaMixin]
M = TypeVar("M", bound=AreaMixin)
E = TypeVar("E", bound=ElementMixin)
GRID_CODE_LENGTH = 16


def scope_elements(stmt: Select[Any], model: AreaModel, subject: Subject) -> Select[Any]:
    """Restrict any statement over an element or address model to the subject's area (citizens get nothing)."""
    if Role.SYSTEM in subject.roles:
        return stmt
    if not subject.is_staff or not subject.scope:
        return stmt.where(false())
    return stmt.where(model.division_code.startswith(subject.scope, autoescape=True))


def _in_area(model: AreaModel, area: str) -> ColumnElement[bool]:
    """Condition for `area`: a 16-digit grid code, else a division-code prefix."""
    if len(area) == GRID_CODE_LENGTH:
        return model.grid_code == area
    return model.division_code.startswith(area, autoescape=True)


def count_in(session: Session, subject: Subject, model: AreaModel, area: str) -> int:
    """Number of visible rows of `model` in an area."""
    stmt = scope_elements(select(func.count()).select_from(model), model, subject).where(_in_area(model, area))
    return int(session.scalar(stmt) or 0)


def counts_by(session: Session, subject: Subject, model: AreaModel, column: str, area: str) -> dict[Any, int]:
    """Visible rows of `model` in an area, counted per value of `column`."""
    col = getattr(model, column)
    stmt = scope_elements(select(col, func.count()).select_from(model), model, subject).where(_in_area(model, area))
    return {value: int(n) for value, n in session.execute(stmt.group_by(col).order_by(col))}


def count_tagged(session: Session, subject: Subject, tag: str, area: str) -> int:
    """Visible residents in an area carrying `tag` (tags are a JSON list; a LIKE works on every backend)."""
    stmt = scope_elements(select(func.count()).select_from(Person), Person, subject).where(
        _in_area(Person, area), cast(Person.tags, String).like(f'%"{tag}"%'))
    return int(session.scalar(stmt) or 0)


def page_in(session: Session, subject: Subject, model: type[M], area: str, offset: int, limit: int,
            element_class: int | None = None) -> tuple[int, list[M]]:
    """(total, one page) of visible rows of `model` in an area, ordered by id."""
    stmt = scope_elements(select(model), model, subject).where(_in_area(model, area))
    if element_class is not None and model is Component:
        stmt = stmt.where(Component.element_class == element_class)
    total = session.scalar(stmt.with_only_columns(func.count()).order_by(None)) or 0
    return int(total), list(session.scalars(stmt.order_by(model.id).offset(offset).limit(limit)))


def open_cases_in(session: Session, subject: Subject, area: str) -> int:
    """Open cases in an area that the subject may see."""
    cond = Case.grid_code == area if len(area) == GRID_CODE_LENGTH else Case.division_code.startswith(
        area, autoescape=True)
    stmt = scope_filter(select(func.count()).select_from(Case), subject).where(
        cond, Case.state.in_(sorted(OPEN_STATES)))
    return int(session.scalar(stmt) or 0)


def element_by_code(session: Session, subject: Subject, model: type[E], code: str) -> E | None:
    """One visible element by its unified code."""
    return session.scalar(scope_elements(select(model), model, subject).where(model.code == code))


def elements_in_grids(session: Session, subject: Subject, model: type[M], grid_codes: Iterable[str]) -> list[M]:
    """Visible rows of `model` whose grid is one of `grid_codes`."""
    codes = sorted(set(grid_codes))
    if not codes:
        return []
    stmt = scope_elements(select(model), model, subject).where(model.grid_code.in_(codes))
    return list(session.scalars(stmt.order_by(model.id)))


# ------------------------------------------------------------------------------------ uniqueness (system-wide)
# Codes, ID numbers and credit codes are unique across the whole city, so these checks look past the caller's
# area on purpose: they go through the scoping helper as SYSTEM and return only the values asked about.


def codes_taken(session: Session, codes: Iterable[str]) -> set[str]:
    """Which of `codes` are already used by any element."""
    wanted = sorted(set(codes))
    found: set[str] = set()
    for model in ELEMENT_MODELS.values():
        for chunk in _chunks(wanted):
            found |= set(session.scalars(scope_elements(select(model.code), model, SYSTEM).where(
                model.code.in_(chunk))))
    return found


def codes_under(session: Session, admin_units: Iterable[str]) -> list[str]:
    """Every element code whose 15-digit admin unit is one of `admin_units` (to seed the code allocator)."""
    units = sorted(set(admin_units))
    out: list[str] = []
    for model in ELEMENT_MODELS.values():
        for chunk in _chunks(units):
            stmt = scope_elements(select(model.code), model, SYSTEM).where(func.substr(model.code, 1, 15).in_(chunk))
            out += session.scalars(stmt)
    return out


def id_indexes_taken(session: Session, indexes: Iterable[str]) -> set[str]:
    """Which blind indexes of ID numbers are already registered."""
    wanted = sorted(set(indexes))
    return {v for chunk in _chunks(wanted) for v in session.scalars(scope_elements(
        select(Person.id_number_index), Person, SYSTEM).where(Person.id_number_index.in_(chunk))) if v}


def credit_codes_taken(session: Session, codes: Iterable[str]) -> set[str]:
    """Which unified social credit codes are already registered."""
    wanted = sorted(set(codes))
    return {v for chunk in _chunks(wanted) for v in session.scalars(scope_elements(
        select(LegalEntity.credit_code), LegalEntity, SYSTEM).where(LegalEntity.credit_code.in_(chunk))) if v}


def address_texts_taken(session: Session, texts: Iterable[str]) -> set[str]:
    """Which full address texts are already in the standard-address table."""
    wanted = sorted(set(texts))
    return {v for chunk in _chunks(wanted) for v in session.scalars(scope_elements(
        select(StandardAddress.text), StandardAddress, SYSTEM).where(StandardAddress.text.in_(chunk)))}


def _chunks(values: list[str], size: int = 500) -> Iterable[list[str]]:
    # Bounded IN lists keep every backend's parameter limit out of reach.
    for start in range(0, len(values), size):
        yield values[start:start + size]


# ------------------------------------------------------------------------------------ standard-address table


def address_rows(session: Session) -> list[tuple[int, str, float, float, str | None, str, str | None]]:
    """(id, text, lng, lat, grid_code, division_code, building_code) of every standard address, for the matcher."""
    # Intake geocodes for anyone (citizens included), so the matcher is built system-wide; it never leaves
    # the process except as a point and grid for the address the caller typed.
    stmt = scope_elements(select(StandardAddress.id, StandardAddress.text, StandardAddress.lng, StandardAddress.lat,
                                 StandardAddress.grid_code, StandardAddress.division_code,
                                 StandardAddress.building_code), StandardAddress, SYSTEM)
    return [tuple(row) for row in session.execute(stmt.order_by(StandardAddress.id))]


def address_fingerprint(session: Session) -> tuple[str, ...]:
    """Cheap summary that changes whenever a standard address is added or changed."""
    stmt = scope_elements(select(func.count(StandardAddress.id), func.max(StandardAddress.id),
                                 func.max(StandardAddress.updated_at)), StandardAddress, SYSTEM)
    return tuple(str(v) for v in session.execute(stmt).one())


def search_addresses(session: Session, subject: Subject, terms: list[str], limit: int) -> list[StandardAddress]:
    """Standard addresses visible to `subject` whose text contains every term, shortest first."""
    stmt = scope_elements(select(StandardAddress), StandardAddress, subject)
    for term in terms:
        stmt = stmt.where(StandardAddress.text.contains(term, autoescape=True))
    return list(session.scalars(stmt.order_by(func.length(StandardAddress.text), StandardAddress.text).limit(limit)))


def address_by_id(session: Session, address_id: int) -> StandardAddress | None:
    """One standard address by id, for linking its building (callers placed it through the import)."""
    stmt = scope_elements(select(StandardAddress), StandardAddress, SYSTEM).where(StandardAddress.id == address_id)
    return session.scalar(stmt)


def addresses_by_text(session: Session, texts: Iterable[str]) -> dict[str, tuple[int, str | None]]:
    """(id, building_code) of the standard addresses with these exact texts."""
    wanted = sorted(set(texts))
    out: dict[str, tuple[int, str | None]] = {}
    for chunk in _chunks(wanted):
        stmt = scope_elements(select(StandardAddress.text, StandardAddress.id, StandardAddress.building_code),
                              StandardAddress, SYSTEM).where(StandardAddress.text.in_(chunk))
        out.update({text: (address_id, building) for text, address_id, building in session.execute(stmt)})
    return out
