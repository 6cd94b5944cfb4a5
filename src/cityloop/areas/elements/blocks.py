"""Block data (块数据): for one division or grid, the counts and lists of everything in it (底数)."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy.orm import Session

from cityloop.areas import repository as areas_repo
from cityloop.areas.elements import repository as repo
from cityloop.areas.elements.codes import CLASS_LABELS
from cityloop.areas.elements.models import (
    COMPONENT_STATUS_LABELS,
    ELEMENT_MODELS,
    KIND_LABELS,
    PERSON_TAG_LABELS,
    PLACE_KIND_LABELS,
    AreaMixin,
    Building,
    Component,
    ElementKind,
    KeyPlace,
    LegalEntity,
    Person,
    StandardAddress,
)
from cityloop.audit import service as audit
from cityloop.kit import catalogue
from cityloop.kit.auth import Role, Subject
from cityloop.kit.crypto import decrypt
from cityloop.kit.errors import Forbidden, NotFound

_AREA = re.compile(r"[0-9]{2}|[0-9]{4}|[0-9]{6}|[0-9]{9}|[0-9]{12}|[0-9]{16}")
_MODELS: dict[ElementKind, type[AreaMixin]] = {ElementKind.ADDRESSES: StandardAddress, **ELEMENT_MODELS}


def _area(session: Session, subject: Subject, code: str) -> dict[str, Any]:
    """Name and type of a division or grid the subject may look into; NotFound otherwise."""
    if not subject.is_staff:
        raise Forbidden("块数据仅供工作人员查看", "Block data is for staff only")
    if not _AREA.fullmatch(code):
        raise NotFound("没有这个区划或网格", "No such division or grid")
    if len(code) == repo.GRID_CODE_LENGTH:
        grid = areas_repo.get_grid(session, subject, code)
        if grid is None:
            raise NotFound("没有这个网格，或不在本辖区", "No such grid in your area")
        return {"code": code, "type": "grid", "name": grid.name, "division_code": grid.division_code}
    division = areas_repo.division(session, code)
    system = Role.SYSTEM in subject.roles
    # A wider area than the subject's own is allowed: the scoping helper then trims it to what they see.
    if division is None or not (system or code.startswith(subject.scope or "\0") or subject.scope.startswith(code)):
        raise NotFound("没有这个区划，或不在本辖区", "No such division in your area")
    return {"code": code, "type": "division", "name": division.name, "division_code": code}


def counts(session: Session, subject: Subject, code: str) -> dict[str, Any]:
    """How many addresses, buildings, residents, entities, components, key places and open cases an area has."""
    area = _area(session, subject, code)
    totals = {kind.value: repo.count_in(session, subject, model, code) for kind, model in _MODELS.items()}
    totals["open_cases"] = repo.open_cases_in(session, subject, code)
    by_class = repo.counts_by(session, subject, Component, "element_class", code)
    by_status = repo.counts_by(session, subject, Component, "status", code)
    by_kind = repo.counts_by(session, subject, KeyPlace, "kind", code)
    return {
        **area,
        "counts": totals,
        "labels": {kind.value: {"zh": zh, "en": en} for kind, (zh, en) in KIND_LABELS.items()},
        "components_by_class": _labelled(by_class, {int(k): v for k, v in CLASS_LABELS.items()}),
        "components_by_status": _labelled(by_status, COMPONENT_STATUS_LABELS),
        "people_by_tag": [{"tag": tag.value, "zh": zh, "en": en,
                           "count": repo.count_tagged(session, subject, tag.value, code)}
                          for tag, (zh, en) in PERSON_TAG_LABELS.items()],
        "places_by_kind": _labelled(by_kind, PLACE_KIND_LABELS),
    }


def _labelled(found: dict[Any, int], labels: Mapping[Any, Sequence[str]]) -> list[dict[str, Any]]:
    out = []
    for key, n in found.items():
        zh, en = labels.get(key, (str(key), str(key)))[:2]
        out.append({"value": key, "zh": zh, "en": en, "count": n})
    return out


def items(session: Session, subject: Subject, code: str, kind: ElementKind, offset: int = 0, limit: int = 50,
          element_class: int | None = None) -> dict[str, Any]:
    """One page of the elements of `kind` in an area (personal data masked unless the role may see it)."""
    _area(session, subject, code)
    total, rows = repo.page_in(session, subject, _MODELS[kind], code, offset, limit, element_class)
    out = [_VIEWS[kind](row, subject) for row in rows]
    if kind is ElementKind.PEOPLE and rows and subject.sees_pii and Role.SYSTEM not in subject.roles:
        # Data Security Law: reads of personal data in clear are traceable.
        audit.record(session, subject, "read_personal_data", "person", [r.id for r in rows], areas=[code])
        session.commit()
    return {"code": code, "kind": kind.value, "total": total, "offset": offset, "limit": limit, "items": out}


def _base(row: Any) -> dict[str, Any]:
    return {"id": row.id, "division_code": row.division_code, "grid_code": row.grid_code, "lng": row.lng,
            "lat": row.lat}


def _element(row: Any) -> dict[str, Any]:
    return {**_base(row), "code": row.code, "address": row.address, "address_id": row.address_id}


def address_view(row: Any, subject: Subject) -> dict[str, Any]:
    """JSON form of a standard address."""
    parts = ("province", "city", "district", "town", "community", "road", "number", "poi", "building", "unit", "room")
    return {**_base(row), "text": row.text, "building_code": row.building_code,
            **{p: getattr(row, p) for p in parts}}


def building_view(row: Any, subject: Subject) -> dict[str, Any]:
    """JSON form of a building."""
    assert isinstance(row, Building)
    return {**_element(row), "name": row.name, "floors": row.floors, "use": row.use}


def person_view(row: Any, subject: Subject) -> dict[str, Any]:
    """JSON form of a resident; name, phone and ID number masked for roles without the right to see them."""
    assert isinstance(row, Person)
    person = catalogue.shown_row(subject, "people", {"name": decrypt(row.name), "phone": decrypt(row.phone),
                                                     "id_number": decrypt(row.id_number)})
    return {**_element(row), **person, "gender": row.gender,
            "birth_year": row.birth_year, "household_no": row.household_no, "tags": row.tags,
            "masked": not subject.sees_pii}


def entity_view(row: Any, subject: Subject) -> dict[str, Any]:
    """JSON form of a legal entity or shop."""
    assert isinstance(row, LegalEntity)
    return {**_element(row), "name": row.name, "credit_code": row.credit_code, "entity_type": row.entity_type}


def component_view(row: Any, subject: Subject) -> dict[str, Any]:
    """JSON form of a city component."""
    assert isinstance(row, Component)
    return {**_element(row), "element_class": row.element_class, "subtype": row.subtype, "status": row.status}


def place_view(row: Any, subject: Subject) -> dict[str, Any]:
    """JSON form of a key place."""
    assert isinstance(row, KeyPlace)
    return {**_element(row), "name": row.name, "kind": row.kind}


_VIEWS = {ElementKind.ADDRESSES: address_view, ElementKind.BUILDINGS: building_view, ElementKind.PEOPLE: person_view,
          ElementKind.ENTITIES: entity_view, ElementKind.COMPONENTS: component_view, ElementKind.PLACES: place_view}
