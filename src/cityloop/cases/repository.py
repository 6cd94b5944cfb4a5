"""All SQL over cases. Every query over `Case` starts from `scoped_cases` (enforced by a test)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Select, and_, false, func, or_, select, text
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from cityloop.accounts.models import Unit
from cityloop.cases.models import (
    Case,
    CaseEvent,
    CaseFile,
    Category,
    HolidayOverride,
    ResponsibilityRule,
    TaxonomyVersion,
    parse_case_number,
)
from cityloop.kit.auth import Role, Subject

_UNIT_ONLY_ROLES = frozenset({Role.HANDLER})


def scope_filter(stmt: Select[Any], subject: Subject) -> Select[Any]:
    """Restrict any statement over `Case` to what `subject` may see: in their area or assigned to a unit they cover."""
    if Role.SYSTEM not in subject.roles and not subject.is_staff:
        return stmt.where(Case.reporter_user_id == subject.id) if subject.id else stmt.where(false())
    return scope_by_columns(stmt, subject, Case.division_code, Case.unit_id)


def scope_by_columns(stmt: Select[Any], subject: Subject, division: Any, unit: Any) -> Select[Any]:
    """The staff visibility rule over any table with a division code and a unit id (cases, their rollups)."""
    if Role.SYSTEM in subject.roles:
        return stmt
    if not subject.is_staff:
        return stmt.where(false())
    # A case assigned to a unit is visible to that unit's people (and those of the units above it) wherever it
    # was filed: a case dispatched from the city to a district bureau must reach the bureau's handlers.
    assigned = unit.in_(subject.unit_ids) if subject.unit_ids else false()
    if subject.roles <= _UNIT_ONLY_ROLES or not subject.scope:
        # A plain handler works on the cases of their unit (and units below it), never on a whole area.
        return stmt.where(assigned)
    # An area's dispatchers, supervisors and leaders also cover the units located in their area.
    covered = subject.unit_ids | subject.area_unit_ids
    assigned = unit.in_(covered) if covered else false()
    return stmt.where(or_(division.startswith(subject.scope, autoescape=True), assigned))


def scoped_cases(subject: Subject) -> Select[tuple[Case]]:
    """`SELECT cases` restricted to the subject's area."""
    return scope_filter(select(Case), subject)


def get_case(session: Session, subject: Subject, case_id: int) -> Case | None:
    """One case if the subject may see it."""
    return session.scalar(scoped_cases(subject).where(Case.id == case_id))


def case_holding_file(session: Session, subject: Subject, name: str) -> int | None:
    """Id of a case visible to the subject that holds the uploaded file `name` (in its record or a step)."""
    holders = select(CaseFile.case_id).where(CaseFile.name == name)
    return session.scalar(scoped_cases(subject).where(Case.id.in_(holders)).with_only_columns(Case.id).limit(1))


def case_by_idempotency_key(session: Session, subject: Subject, key: str) -> Case | None:
    """The case stored under an idempotency key (keys are namespaced by submitter)."""
    return session.scalar(scoped_cases(_unscoped_if_owner(subject)).where(Case.idempotency_key == key))


def _unscoped_if_owner(subject: Subject) -> Subject:
    # The key already embeds the submitter's identity, so a replay may return a case outside their area
    # (e.g. a citizen who filed anonymously); the key itself is the credential.
    return Subject(id=None, name="idempotency", roles=frozenset({Role.SYSTEM}), scope="")


def case_by_number(session: Session, subject: Subject, number: str) -> Case | None:
    """The case with a human number, if visible to the subject."""
    case_id = parse_case_number(number)
    if case_id is None:
        return None
    case = session.scalar(scoped_cases(subject).where(Case.id == case_id))
    return case if case is not None and case.number == number.strip() else None


COUNT_BOUND = 10_000  # past this many rows a list's total is estimated, not counted (a 10 M-case city)
KEYSET_ORDERS = frozenset({"received_at", "id", "updated_at"})  # never NULL, so (value, id) orders every row


def list_cases(session: Session, subject: Subject, filters: dict[str, Any], offset: int, limit: int,
               order: str = "-received_at", after: tuple[Any, int] | None = None) -> tuple[list[Case], int, bool]:
    """A filtered page of visible cases, the total and whether the total is an estimate.

    With `after` (the last row's order value and id) the page starts after that row: no OFFSET scan.
    """
    stmt = _apply_filters(scoped_cases(subject), filters)
    total, estimated = bounded_count(session, stmt)
    name = order.lstrip("-")
    column, descending = getattr(Case, name), order.startswith("-")
    if after is not None:
        value, last_id = after
        if descending:
            stmt = stmt.where(or_(column < value, and_(column == value, Case.id < last_id)))
        else:
            stmt = stmt.where(or_(column > value, and_(column == value, Case.id > last_id)))
        offset = 0
    tie = Case.id.desc() if descending or name not in KEYSET_ORDERS else Case.id.asc()
    stmt = stmt.order_by(column.desc() if descending else column.asc(), tie)
    return list(session.scalars(stmt.offset(offset).limit(limit))), total, estimated


def bounded_count(session: Session, stmt: Select[Any]) -> tuple[int, bool]:
    """Rows of `stmt` counted up to COUNT_BOUND; beyond it the planner's estimate (PostgreSQL) and True."""
    capped = stmt.order_by(None).with_only_columns(Case.id).limit(COUNT_BOUND + 1).subquery()
    counted = int(session.scalar(select(func.count()).select_from(capped)) or 0)
    if counted <= COUNT_BOUND:
        return counted, False
    if session.get_bind().dialect.name != "postgresql":
        return counted, True
    try:
        sql = str(stmt.order_by(None).compile(dialect=session.get_bind().dialect,
                                              compile_kwargs={"literal_binds": True}))
        with session.begin_nested():
            plan: Any = session.execute(text("EXPLAIN (FORMAT JSON) " + sql)).scalar()
        return max(counted, int(plan[0]["Plan"]["Plan Rows"])), True
    except (SQLAlchemyError, NotImplementedError, KeyError, TypeError):  # a filter the compiler cannot inline
        return counted, True


def _apply_filters(stmt: Select[Any], f: dict[str, Any]) -> Select[Any]:
    for key in ("state", "channel", "appeal_type", "grade", "card", "unit_id", "grid_code"):
        value = f.get(key)
        if value is None or value == "" or value == []:
            continue
        column = getattr(Case, key)
        stmt = stmt.where(column.in_(value)) if isinstance(value, list | tuple | set) else stmt.where(column == value)
    if f.get("division_code"):
        stmt = stmt.where(Case.division_code.startswith(f["division_code"], autoescape=True))
    if f.get("category_code"):
        stmt = stmt.where(Case.category_code.startswith(f["category_code"], autoescape=True))
    if f.get("received_from"):
        stmt = stmt.where(Case.received_at >= f["received_from"])
    if f.get("received_to"):
        stmt = stmt.where(Case.received_at < f["received_to"])
    if f.get("overdue_before"):
        stmt = stmt.where(Case.deadline < f["overdue_before"])
    if f.get("phone_index"):
        stmt = stmt.where(Case.reporter_phone_index == f["phone_index"])
    if f.get("reported_by"):
        # Cases a staff member filed (e.g. a grid worker's own reports): the actor of the receive event.
        filed = select(CaseEvent.case_id).where(CaseEvent.action == "receive", CaseEvent.actor_id == f["reported_by"])
        stmt = stmt.where(Case.id.in_(filed))
    if f.get("q"):
        like = f"%{f['q']}%"
        condition = Case.title.like(like) | Case.content.like(like)
        case_id = parse_case_number(str(f["q"]))
        stmt = stmt.where(condition | (Case.id == case_id) if case_id is not None else condition)
    return stmt


def events_of(session: Session, case_id: int) -> list[CaseEvent]:
    """The history of one case, oldest first (callers check visibility of the case first)."""
    return list(session.scalars(select(CaseEvent).where(CaseEvent.case_id == case_id).order_by(CaseEvent.id)))


def last_event_at(session: Session, case_id: int, action: str) -> datetime | None:
    """When the latest `action` event of one case happened (callers check visibility of the case first)."""
    stmt = select(CaseEvent.at).where(CaseEvent.case_id == case_id, CaseEvent.action == action)
    return session.scalar(stmt.order_by(CaseEvent.id.desc()).limit(1))


def sweepable_cases(session: Session, subject: Subject, states: Sequence[str], after_id: int,
                    batch: int) -> list[Case]:
    """Cases in `states` with a deadline, in id order from `after_id` (for the SLA sweep)."""
    stmt = scoped_cases(subject).where(Case.state.in_(states), Case.deadline.is_not(None), Case.id > after_id)
    return list(session.scalars(stmt.order_by(Case.id).limit(batch)))


def active_version(session: Session) -> TaxonomyVersion | None:
    """The taxonomy version new cases are routed with."""
    return session.scalar(select(TaxonomyVersion).where(TaxonomyVersion.is_active.is_(True)))


def categories_of(session: Session, version_id: int) -> list[Category]:
    """All categories of a version, ordered by code."""
    return list(session.scalars(select(Category).where(Category.version_id == version_id).order_by(Category.code)))


def rules_of(session: Session, version_id: int) -> list[ResponsibilityRule]:
    """All responsibility rules of a version."""
    stmt = select(ResponsibilityRule).where(ResponsibilityRule.version_id == version_id)
    return list(session.scalars(stmt.order_by(ResponsibilityRule.id)))


def active_units(session: Session) -> list[Unit]:
    """Units that can receive cases."""
    return list(session.scalars(select(Unit).where(Unit.is_active.is_(True))))


def holiday_overrides(session: Session) -> list[HolidayOverride]:
    """The admin's working-day overrides."""
    return list(session.scalars(select(HolidayOverride).order_by(HolidayOverride.day)))


def last_events_at(session: Session, case_ids: Sequence[int], action: str) -> dict[int, datetime]:
    """For each case, when its latest `action` event happened (callers check visibility of the cases first)."""
    if not case_ids:
        return {}
    stmt = (select(CaseEvent.case_id, func.max(CaseEvent.at))
            .where(CaseEvent.case_id.in_(list(case_ids)), CaseEvent.action == action)
            .group_by(CaseEvent.case_id))
    return {int(cid): at for cid, at in session.execute(stmt)}


def last_notes(session: Session, case_ids: Sequence[int], action: str) -> dict[int, str]:
    """For each case, the note of its latest `action` event (callers check visibility of the cases first)."""
    if not case_ids:
        return {}
    latest = (select(func.max(CaseEvent.id)).where(CaseEvent.case_id.in_(list(case_ids)), CaseEvent.action == action)
              .group_by(CaseEvent.case_id))
    rows = session.execute(select(CaseEvent.case_id, CaseEvent.note).where(CaseEvent.id.in_(latest)))
    return {int(cid): note for cid, note in rows if note}


def reported_by(session: Session, subject: Subject, user_ids: Sequence[int], start: datetime, end: datetime
                ) -> list[tuple[int, str, datetime, datetime | None, datetime | None]]:
    """(reporter, state, received, completed, deadline) of visible cases the users filed in [start, end)."""
    if not user_ids:
        return []
    filed = (select(CaseEvent.case_id, CaseEvent.actor_id)
             .where(CaseEvent.action == "receive", CaseEvent.actor_id.in_(list(user_ids))).subquery())
    stmt = scope_filter(select(filed.c.actor_id, Case.state, Case.received_at, Case.completed_at, Case.deadline)
                        .join(filed, filed.c.case_id == Case.id)
                        .where(Case.received_at >= start, Case.received_at < end), subject)
    return [(int(a), str(s), r, c, d) for a, s, r, c, d in session.execute(stmt)]


def cases_in_box(session: Session, subject: Subject, box: tuple[float, float, float, float], since: datetime,
                 limit: int) -> list[Case]:
    """Visible cases received since `since` whose point lies in (min lng, min lat, max lng, max lat), newest first."""
    min_lng, min_lat, max_lng, max_lat = box
    stmt = scoped_cases(subject).where(Case.lng.between(min_lng, max_lng), Case.lat.between(min_lat, max_lat),
                                       Case.received_at >= since)
    return list(session.scalars(stmt.order_by(Case.received_at.desc()).limit(limit)))
