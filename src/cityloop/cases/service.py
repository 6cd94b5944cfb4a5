"""Read side of cases: detail, lists and the view each role may have (masking personal data)."""

from __future__ import annotations

import time
from typing import Any

from sqlalchemy.orm import Session

from cityloop.accounts import repository as accounts_repo
from cityloop.audit import service as audit
from cityloop.cases import cursors, dispatch_hints
from cityloop.cases import repository as repo
from cityloop.cases.models import Case
from cityloop.cases.schemas import CaseOut, CasePage, EventOut, SuggestedUnit, UnitOut
from cityloop.cases.states import STATE_META, TRANSITIONS, State, event_label
from cityloop.cases.taxonomy import category_names
from cityloop.kit import catalogue
from cityloop.kit.auth import Role, Subject
from cityloop.kit.crypto import blind_index, decrypt
from cityloop.kit.db import cache_clearers
from cityloop.kit.errors import NotFound
from cityloop.kit.phones import normalize_phone


def get_case(session: Session, subject: Subject, case_id: int) -> Case:
    """A visible case or NotFound (out-of-scope cases look exactly like missing ones)."""
    case = repo.get_case(session, subject, case_id)
    if case is None:
        raise NotFound("工单不存在或不在您的辖区", "Case not found or outside your area", case_id=case_id)
    return case


def check_file_access(session: Session, subject: Subject, name: str) -> None:
    """Staff may fetch an uploaded file only if they may see a case holding it; NotFound otherwise."""
    if not subject.is_staff or repo.case_holding_file(session, subject, name) is None:
        raise NotFound("文件不存在", "File not found")


def case_detail(session: Session, subject: Subject, case_id: int, lang: str = "zh") -> CaseOut:
    """A case with its history."""
    case = get_case(session, subject, case_id)
    out = present(session, subject, case, lang, hints=_hints(session, subject, [case]))
    _audit_personal_read(session, subject, [out])
    events = repo.events_of(session, case.id)
    people = _people(session, {e.actor_id for e in events if e.actor_id}, lang)
    system = "System" if lang == "en" else "系统自动"
    out.history = [
        EventOut(action=e.action, label=_label(event_label(e.action, e.data), lang),
                 from_state=e.from_state, to_state=e.to_state, actor=e.actor_name,
                 actor_label=people.get(e.actor_id or 0) or (system if e.actor_kind == "system" else e.actor_name),
                 at=e.at, note=e.note, data=e.data)
        for e in events
    ]
    return out


def list_cases(session: Session, subject: Subject, filters: dict[str, Any], offset: int = 0, limit: int = 50,
               order: str = "-received_at", lang: str = "zh", after: str | None = None) -> CasePage:
    """A page of visible cases; a `phone` filter is matched through its blind index; `after` is a keyset cursor."""
    filters = dict(filters)
    if filters.get("phone"):
        phone = str(filters.pop("phone")).strip()
        filters["phone_index"] = blind_index(normalize_phone(phone) or phone)
    position = cursors.decode(after, order) if after else None
    cases, total, estimated = repo.list_cases(session, subject, filters, offset, limit, order, position)
    items = present_many(session, subject, cases, lang)
    following = cursors.encode(cases[-1], order) if len(cases) == limit and cursors.keyset(order) else None
    return CasePage(items=items, total=total, offset=0 if after else offset, limit=limit,
                    total_is_estimate=estimated, next_cursor=following)


def _people(session: Session, user_ids: set[int], lang: str) -> dict[int, str]:
    """"王五（西湖区城管局）" for each acting user: timelines name people and units, not accounts."""
    out: dict[int, str] = {}
    for user_id in user_ids:
        user = accounts_repo.user_by_id(session, user_id)
        if user is None:
            continue
        person = user.display_name or user.username
        unit = unit_name(session, user.unit_id) if user.unit_id else ""
        out[user_id] = f"{person}（{unit}）" if unit and lang != "en" else f"{person} ({unit})" if unit else person
    return out


def present_many(session: Session, subject: Subject, cases: list[Case], lang: str = "zh") -> list[CaseOut]:
    """Several cases as `subject` sees them (personal data reads audited, as in lists)."""
    units = _unit_names(session, {c.unit_id for c in cases if c.unit_id})
    hints = _hints(session, subject, cases)
    items = [present(session, subject, c, lang, units, hints) for c in cases]
    _audit_personal_read(session, subject, items)
    return items


def _hints(session: Session, subject: Subject, cases: list[Case]) -> dict[int, dispatch_hints.Hint]:
    # Dispatch hints are staff information: citizens see neither the limit nor the candidate units.
    return dispatch_hints.hints(session, cases) if subject.is_staff else {}


def _unit_names(session: Session, ids: set[int]) -> dict[int, str]:
    return {i: unit_name(session, i) for i in ids}


_unit_name_cache: dict[int, tuple[float, str]] = {}


def unit_name(session: Session, unit_id: int) -> str:
    """A unit's name, cached for a minute (renames show up after that)."""
    hit = _unit_name_cache.get(unit_id)
    if hit and hit[0] > time.monotonic():
        return hit[1]
    unit = accounts_repo.unit_by_id(session, unit_id)
    name = unit.name if unit else ""
    _unit_name_cache[unit_id] = (time.monotonic() + 60.0, name)
    return name


cache_clearers.append(_unit_name_cache.clear)


def _suggested(session: Session, hint: dispatch_hints.Hint | None,
               units: dict[int, str] | None) -> list[SuggestedUnit]:
    if hint is None:
        return []
    return [SuggestedUnit(unit_id=u, name=(units or {}).get(u) or unit_name(session, u), score=score, source=src)
            for u, score, src in hint.units]


def _audit_personal_read(session: Session, subject: Subject, shown: list[CaseOut]) -> None:
    """Log a read that showed personal data in clear (Data Security Law: sensitive reads are traceable)."""
    read = [c for c in shown if any(c.reporter.values())]
    if read and subject.sees_pii and Role.SYSTEM not in subject.roles:
        audit.record(session, subject, "read_personal_data", "case", [c.id for c in read],
                     areas={str(c.location["division_code"]) for c in read})
        session.commit()


def _label(pair: tuple[str, str], lang: str) -> str:
    return pair[1] if lang == "en" else pair[0]


def reporter_view(subject: Subject, case: Case) -> dict[str, str | None]:
    """Reporter fields, in clear only for roles allowed to see personal data."""
    name, phone, id_number = (decrypt(case.reporter_name), decrypt(case.reporter_phone),
                              decrypt(case.reporter_id_number))
    own_case = subject.id is not None and case.reporter_user_id == subject.id
    return {key: catalogue.shown(subject, "cases", column, value, own_case)
            for key, column, value in (("name", "reporter_name", name), ("phone", "reporter_phone", phone),
                                       ("id_number", "reporter_id_number", id_number))}


def present(session: Session, subject: Subject, case: Case, lang: str = "zh",
            units: dict[int, str] | None = None, hints: dict[int, dispatch_hints.Hint] | None = None) -> CaseOut:
    """The API/page view of a case for `subject`."""
    state = State(case.state)
    hint = (hints or {}).get(case.id)
    unit = None
    if case.unit_id:
        name = (units or {}).get(case.unit_id) or unit_name(session, case.unit_id)
        unit = UnitOut(id=case.unit_id, name=name)
    category = None
    if case.category_code:
        names = category_names(session, case.taxonomy_version_id) if case.taxonomy_version_id else {}
        zh, en = names.get(case.category_code, (case.category_code, ""))
        category = {"code": case.category_code, "name": en if lang == "en" and en else zh,
                    "version_id": case.taxonomy_version_id}
    return CaseOut(
        id=case.id, number=case.number or "", lookup_code=case.lookup_code if subject.is_staff else None,
        state=state, state_label=_label(STATE_META[state][:2], lang), channel=case.channel,
        appeal_type=case.appeal_type, title=case.title, content=case.content,
        reporter=reporter_view(subject, case),
        location={"address": case.address, "lng": case.lng, "lat": case.lat,
                  "division_code": case.division_code, "grid_code": case.grid_code},
        category=category, grade=case.grade, escalation_level=case.escalation_level, unit=unit,
        received_at=case.received_at, dispatch_deadline=case.dispatch_deadline,
        dispatch_due_at=hint.due_at if hint else None, suggested_units=_suggested(session, hint, units),
        dispatched_at=case.dispatched_at,
        sign_deadline=case.sign_deadline,
        signed_at=case.signed_at, deadline=case.deadline, completed_at=case.completed_at,
        closed_at=case.closed_at, card=case.card, reply=case.reply, satisfaction=case.satisfaction,
        urge_count=case.urge_count, reopen_count=case.reopen_count, pending_extension=case.pending_extension,
        merged_into_id=case.merged_into_id, external_id=case.external_id, tags=case.tags,
        attachments=case.attachments, suggestions=case.suggestions if subject.is_staff else {},
        version=case.row_version,
        allowed_actions=[a for a, t in TRANSITIONS.items() if state in t.sources and subject.has(*t.roles)],
    )
