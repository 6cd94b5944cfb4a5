"""Intake: validate, locate, classify, route and compute deadlines in one transaction."""

from __future__ import annotations

import secrets
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime
from typing import Any, NamedTuple

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

import cityloop.cases.fulltext.index  # noqa: F401  (keeps each case's search terms on insert and edit)
from cityloop.cases import notices, routing, storage
from cityloop.cases import repository as repo
from cityloop.cases.calendar_source import calendar, dispatch_due
from cityloop.cases.idempotency import service as idempotency
from cityloop.cases.models import Case
from cityloop.cases.received_time import received_at_problem
from cityloop.cases.schemas import CaseIn
from cityloop.cases.states import State
from cityloop.cases.taxonomy import active_version_id, category_exists
from cityloop.config import get_settings
from cityloop.kit.auth import Role, Subject
from cityloop.kit.calendar import LimitUnit
from cityloop.kit.clock import utcnow
from cityloop.kit.crypto import blind_index, encrypt
from cityloop.kit.errors import Forbidden, ValidationFailed


class Placement(NamedTuple):
    """Where a locator put a new case; `lng`/`lat` only when it geocoded an address (the caller gave no point).

    `evidence` is what a locator that read the case's text found (division, confidence, spans), kept in the case's
    suggestions for the dispatcher.
    """

    division_code: str | None
    grid_code: str | None
    lng: float | None = None
    lat: float | None = None
    evidence: dict[str, object] | None = None


# Hooks filled by other modules at start-up (areas: locate; intel: suggest a category).
Locator = Callable[[Session, CaseIn], Placement]
Suggester = Callable[[Session, CaseIn], tuple[str | None, dict[str, object]]]
# Screeners add evidence to a built, not yet stored case (intel: duplicate candidates); they must not raise.
Screener = Callable[[Session, Case], dict[str, object]]
# After-intake hooks act on a stored case (intel: auto-merge a sure duplicate); they must not raise.
AfterIntake = Callable[[Session, Case], None]
# In-transaction hooks see a stored, not yet committed case (channels: write outbox messages); they must not raise.
OnIntake = Callable[[Session, Case], None]
locators: list[Locator] = []
suggesters: list[Suggester] = []
screeners: list[Screener] = []
after_intake: list[AfterIntake] = []
on_intake: list[OnIntake] = []
# Loaders of what a hook only needs in some cases (the segmenter, once a duplicate is found), run by a warm start.
warmers: list[Callable[[], object]] = []
_paused = threading.local()

_LOOKUP_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"


def intake(session: Session, subject: Subject, data: CaseIn, idempotency_key: str | None = None) -> tuple[Case, bool]:
    """Create a case (or return the one already made under the same key and body); True when newly created."""
    _check_may_file(subject, data)
    key = _namespaced(subject, idempotency_key) if idempotency_key else None
    print_ = idempotency.fingerprint(data) if key else ""
    try:
        # Locating, classifying, routing and screening only read: done before the key is taken, so a concurrent
        # request with the same key (PostgreSQL waits on the key's unique index) waits for the insert alone.
        case = build(session, subject, data, key)
        if key and idempotency.begin(session, key, print_) is not None:
            return _replayed(session, subject, key), False
        storage.store_new_case(session, case, _first_events(subject, case), (key, print_) if key else None)
    except IntegrityError:
        session.rollback()
        # A concurrent request with the same key committed first: replay its case (or refuse a different body).
        if not key or idempotency.begin(session, key, print_) is None:
            raise
        return _replayed(session, subject, key), False
    except BaseException:
        session.rollback()
        raise
    _announce(session, case)
    session.commit()
    if not getattr(_paused, "after_intake", False):
        for hook in after_intake:
            hook(session, case)
    return case, True


def _replayed(session: Session, subject: Subject, key: str) -> Case:
    case = repo.case_by_idempotency_key(session, subject, key)
    if case is None:  # a key's row is committed with its case, so this is a broken database
        raise RuntimeError(f"idempotency key {key!r} is recorded but has no case")
    session.commit()  # ends the transaction, and with it PostgreSQL's lock on the key
    return case


@contextmanager
def after_intake_paused() -> Iterator[None]:
    """Within this block (this thread) the after-intake hooks do not run: demo seeding scripts its own merges."""
    previous = getattr(_paused, "after_intake", False)
    _paused.after_intake = True
    try:
        yield
    finally:
        _paused.after_intake = previous


def _lookup_code() -> str:
    # 32 symbols, so `byte % 32` is unbiased.
    return "".join(_LOOKUP_ALPHABET[b % 32] for b in secrets.token_bytes(6))


def _check_may_file(subject: Subject, data: CaseIn) -> None:
    if data.received_at is not None and not subject.has(Role.ADMIN):
        raise Forbidden("只有管理员可导入历史工单时间", "Only administrators may set received_at")
    problem = received_at_problem(data.received_at, utcnow()) if data.received_at is not None else None
    if problem:
        raise ValidationFailed({"received_at": problem})
    if not subject.is_staff and data.channel not in {"web", "app"}:
        raise ValidationFailed({"channel": ("群众只能通过网站或移动端提交", "Citizens file through web or app")})


def _namespaced(subject: Subject, key: str) -> str:
    return f"{subject.kind}:{subject.id or 0}:{key}"[:120]


def build(session: Session, subject: Subject, data: CaseIn, key: str | None) -> Case:
    """The case as intake would store it (not yet added to the session): placed, classified, routed, screened."""
    now = utcnow()
    received_at = data.received_at or now
    division_code, grid_code, point, placed = _locate(session, subject, data)
    # Suggesters (unit from history) need the located area too.
    data = data.model_copy(update={"location": data.location.model_copy(
        update={"division_code": division_code, "grid_code": grid_code})})
    lng, lat = point if point else (data.location.lng, data.location.lat)
    version_id = active_version_id(session)
    category_code, suggestions = _categorise(session, data, version_id)
    route = routing.route(session, version_id, category_code, division_code, data.appeal_type, grid_code)
    cal = calendar(session)
    case = Case(
        idempotency_key=key, lookup_code=_lookup_code(),
        external_id=data.external_id, source_system=data.source_system or "", channel=data.channel,
        appeal_type=data.appeal_type, title=data.title, content=data.content,
        reporter_name=encrypt(data.reporter.name), reporter_phone=encrypt(data.reporter.phone),
        reporter_id_number=encrypt(data.reporter.id_number), reporter_phone_index=blind_index(data.reporter.phone),
        reporter_user_id=subject.id if Role.CITIZEN in subject.roles and subject.kind == "user" else None,
        address=data.location.address or "", lng=lng, lat=lat,
        division_code=division_code, grid_code=grid_code, category_code=category_code,
        taxonomy_version_id=version_id, grade=data.grade or route.grade,
        sign_limit=route.sign_limit, sign_unit=route.sign_unit, handle_limit=route.handle_limit,
        handle_unit=route.handle_unit, received_at=received_at,
        dispatch_deadline=dispatch_due(cal, received_at),
        deadline=cal.add(received_at, route.handle_limit, LimitUnit(route.handle_unit)),
        suggestions={**suggestions, "route": route.reason, **({"geocoded": True} if point else {}),
                     **({"placement": placed} if placed else {})}, tags=data.tags,
        attachments=[a.model_dump() for a in data.attachments], state=State.RECEIVED,
    )
    if route.unit_id is not None:
        _auto_dispatch(case, route.unit_id, cal.add(received_at, route.sign_limit, LimitUnit(route.sign_unit)))
    for screen in screeners:
        case.suggestions = {**case.suggestions, **screen(session, case)}
    return case


def _auto_dispatch(case: Case, unit_id: int, sign_deadline: datetime) -> None:
    case.unit_id = unit_id
    case.state = State.DISPATCHED
    case.dispatched_at = case.received_at
    case.sign_deadline = sign_deadline


def _locate(session: Session, subject: Subject, data: CaseIn
            ) -> tuple[str, str | None, tuple[float, float] | None, dict[str, object] | None]:
    """(division, grid, geocoded point or None, text evidence or None): the caller's, completed by the locators."""
    loc = data.location
    division_code, grid_code = loc.division_code, loc.grid_code
    point: tuple[float, float] | None = None
    placed: dict[str, object] | None = None
    # Locators fill what is missing: a division from an address or a point, a grid from a point.
    if not division_code or (not grid_code and loc.lng is not None):
        for locator in locators:
            found = locator(session, data)
            if not division_code and (found.division_code or placed is None):
                placed = found.evidence  # from the locator that placed the case, else why the text did not
            division_code = division_code or found.division_code
            grid_code = grid_code or found.grid_code
            if point is None and loc.lng is None and found.lng is not None and found.lat is not None:
                point = (found.lng, found.lat)
            if division_code and (grid_code or loc.lng is None):
                break
    if placed and placed.get("applied") and division_code and _outside_scope(subject, division_code):
        # A division read from the text is a lead, not the filer's statement: it never blocks filing.
        division_code, placed = None, {**placed, "applied": False, "reason": "outside the filer's area"}
    city = get_settings().city_code
    division_code = division_code or city
    if not division_code.startswith(city) and not city.startswith(division_code):
        raise ValidationFailed({"location.division_code": (
            f"区划代码 {division_code} 不在本市范围内", f"Division {division_code} is outside this city")})
    if _outside_scope(subject, division_code):
        raise Forbidden("不能为本辖区以外的地点立案", "Cannot file a case outside your area")
    return division_code, grid_code, point, placed


def _outside_scope(subject: Subject, division_code: str) -> bool:
    return bool(subject.is_staff and Role.SYSTEM not in subject.roles and subject.scope and not (
        division_code.startswith(subject.scope) or subject.scope.startswith(division_code)))


def _categorise(session: Session, data: CaseIn, version_id: int | None) -> tuple[str | None, dict[str, object]]:
    if data.category_code:
        if version_id is None or not category_exists(session, version_id, data.category_code, leaf_only=True):
            raise ValidationFailed({"category_code": (
                f"分类 {data.category_code} 不存在或不是末级分类",
                f"Category {data.category_code} does not exist or is not a leaf")})
        return data.category_code, {}
    for suggester in suggesters:
        code, evidence = suggester(session, data)
        if code or evidence:
            return code, evidence
    return None, {}


def _first_events(subject: Subject, case: Case) -> list[dict[str, Any]]:
    """The history rows of a new case: received, and dispatched when the responsibility list named a unit."""
    received = {"action": "receive", "from_state": None, "to_state": State.RECEIVED,
                "actor_id": subject.id if subject.kind == "user" else None, "actor_name": subject.name,
                "actor_kind": subject.kind, "at": case.received_at, "note": "", "data": {"channel": case.channel}}
    if case.state != State.DISPATCHED:
        return [received]
    return [received, {"action": "auto_dispatch", "from_state": State.RECEIVED, "to_state": State.DISPATCHED,
                       "actor_id": None, "actor_name": "system", "actor_kind": "system", "at": case.received_at,
                       "note": "", "data": {"unit_id": case.unit_id}}]


def _announce(session: Session, case: Case) -> None:
    """In the case's transaction: the unit's notice of an automatic dispatch, then the on-intake hooks."""
    if case.state == State.DISPATCHED:
        notices.auto_dispatched(session, case)
    for hook in on_intake:
        hook(session, case)
