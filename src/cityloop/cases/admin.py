"""Administration of the case engine: holiday overrides, taxonomy versions, reference data for clients."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy.orm import Session

from cityloop.audit import service as audit
from cityloop.cases import repository as repo
from cityloop.cases.calendar_source import forget
from cityloop.cases.models import HolidayOverride
from cityloop.cases.states import (
    APPEAL_META,
    CHANNEL_META,
    GRADE_META,
    SATISFACTION_META,
    STATE_META,
    TRANSITIONS,
)
from cityloop.kit.auth import PUBLIC_ROLES, Role, Subject
from cityloop.kit.errors import Forbidden, NotFound


def require(subject: Subject, *roles: Role) -> None:
    """Raise Forbidden unless the subject holds one of `roles`."""
    if not subject.has(*roles):
        raise Forbidden("您没有此操作的权限", "You are not allowed to do this")


def list_overrides(session: Session, subject: Subject) -> list[dict[str, Any]]:
    """Holiday overrides, oldest first."""
    require(subject, Role.ADMIN, Role.SUPERVISOR, Role.DISPATCHER)
    return [{"day": o.day, "is_workday": o.is_workday, "note": o.note} for o in repo.holiday_overrides(session)]


def set_override(session: Session, subject: Subject, day: date, is_workday: bool, note: str) -> dict[str, Any]:
    """Declare `day` a working day or a day off, beating the national calendar."""
    require(subject, Role.ADMIN)
    row = session.get(HolidayOverride, day) or HolidayOverride(day=day)
    row.is_workday, row.note = is_workday, note
    session.add(row)
    audit.record(session, subject, "set_holiday", "holiday", [], {"day": str(day), "is_workday": is_workday})
    session.commit()
    forget()
    return {"day": day, "is_workday": is_workday, "note": note}


def delete_override(session: Session, subject: Subject, day: date) -> None:
    """Remove an override so the national calendar applies again."""
    require(subject, Role.ADMIN)
    row = session.get(HolidayOverride, day)
    if row is None:
        raise NotFound("没有该日期的调整", "No override for this day")
    session.delete(row)
    audit.record(session, subject, "delete_holiday", "holiday", [], {"day": str(day)})
    session.commit()
    forget()


def taxonomy_tree(session: Session, subject: Subject, version_id: int | None = None) -> dict[str, Any]:
    """Categories of a version (default: active) as a tree, with each leaf's rules."""
    require(subject, *(r for r in Role if r not in PUBLIC_ROLES))
    version = repo.active_version(session) if version_id is None else None
    vid = version_id or (version.id if version else None)
    if vid is None:
        return {"version": None, "categories": []}
    cats = repo.categories_of(session, vid)
    rules: dict[str, list[dict[str, Any]]] = {}
    for r in repo.rules_of(session, vid):
        rules.setdefault(r.category_code, []).append({
            "area_level": r.area_level, "unit_type": r.unit_type, "unit_id": r.unit_id, "appeal_type": r.appeal_type,
            "sign_limit": r.sign_limit, "sign_unit": r.sign_unit, "handle_limit": r.handle_limit,
            "handle_unit": r.handle_unit, "grade": r.default_grade, "disputed": r.disputed})
    nodes: dict[str, dict[str, Any]] = {
        c.code: {"code": c.code, "name": c.name, "level": c.level, "keywords": c.keywords, "children": [],
                 **({"rules": rules.get(c.code, [])} if c.level == 3 else {})}
        for c in cats
    }
    roots: list[dict[str, Any]] = []
    for c in cats:
        parent = nodes.get(c.parent_code or "")
        (parent["children"] if parent else roots).append(nodes[c.code])
    return {"version": vid, "categories": roots}


def reference() -> dict[str, Any]:
    """Labels and colours of states, actions, channels, appeal types, grades and satisfaction."""
    def pairs(meta: dict[Any, tuple[str, str]]) -> dict[str, dict[str, str]]:
        return {str(k): {"zh": v[0], "en": v[1]} for k, v in meta.items()}

    return {
        "states": {str(k): {"zh": v[0], "en": v[1], "colour": v[2]} for k, v in STATE_META.items()},
        "actions": {a: {"zh": t.zh, "en": t.en, "from": sorted(t.sources), "to": t.target,
                        "roles": sorted(t.roles)} for a, t in TRANSITIONS.items()},
        "channels": pairs(CHANNEL_META), "appeal_types": pairs(APPEAL_META), "grades": pairs(GRADE_META),
        "satisfaction": pairs(SATISFACTION_META),
    }
