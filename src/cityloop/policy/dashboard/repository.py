"""Standing and notice counts by policy, area and industry, restricted to an area of enterprises or persons."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlalchemy import Integer, case, cast, func, select
from sqlalchemy.orm import Session

from cityloop.areas.divisions.models import Division
from cityloop.policy.matching.models import PolicyMatch
from cityloop.policy.notices.models import PolicyNotice
from cityloop.policy.policies.models import Policy
from cityloop.policy.registry.models import Enterprise, Person

Key = Callable[[Any], Any]
# Each subject kind's registry table and how a subject id names its row (an enterprise by its 统一社会信用代码, a
# person by P + row id: the ID number never leaves the registry).
SUBJECTS: dict[str, tuple[Any, Callable[[Any], Any]]] = {
    "enterprise": (Enterprise, lambda rows: rows.subject_id == Enterprise.uscc),
    # The id is cut out of the subject id (not the other way round), so each match finds its person by primary key;
    # only for person rows, since PostgreSQL would refuse to cast a credit code.
    "person": (Person, lambda rows: Person.id == case((rows.subject_kind == "person",
                                                       cast(func.substr(rows.subject_id, 2), Integer)))),
}


def _in_area(stmt: Any, prefix: str, table: Any) -> Any:
    # The one area rule of the dashboard: a subject counts where it is registered (firm) or has its household.
    return stmt.where(table.division_code.startswith(prefix, autoescape=True)) if prefix else stmt


def standings(session: Session, prefix: str, key: Key, kind: str = "enterprise") -> dict[tuple[str, str], int]:
    """(key, status) → (subject, policy) pairs of one subject kind, for eligible and near-miss."""
    table, on = SUBJECTS[kind]
    column = key(table)  # one expression object: PostgreSQL must see the same one in SELECT and GROUP BY
    stmt = (select(column, PolicyMatch.status, func.count()).join(table, on(PolicyMatch))
            .where(PolicyMatch.subject_kind == kind).group_by(column, PolicyMatch.status))
    return {(str(k), s): int(n) for k, s, n in session.execute(_in_area(stmt, prefix, table))}


def notified(session: Session, prefix: str, key: Key, kind: str = "enterprise") -> dict[str, int]:
    """key → notices written (站内信, with or without SMS) to subjects of one kind."""
    table, on = SUBJECTS[kind]
    column = key(table)
    stmt = (select(column, func.count()).select_from(PolicyNotice).join(table, on(PolicyNotice))
            .where(PolicyNotice.subject_kind == kind).group_by(column))
    return {str(k): int(n) for k, n in session.execute(_in_area(stmt, prefix, table))}


def policies(session: Session) -> list[Policy]:
    """Every policy, by id."""
    return list(session.scalars(select(Policy).order_by(Policy.id)))


def division_names(session: Session, codes: list[str]) -> dict[str, str]:
    """Names of divisions by code."""
    if not codes:
        return {}
    return {c: n for c, n in session.execute(select(Division.code, Division.name).where(Division.code.in_(codes)))}


def policy_key() -> Key:
    """Group standings by policy."""
    return lambda _table: PolicyMatch.policy_id


def notice_policy_key() -> Key:
    """Group notices by policy."""
    return lambda _table: PolicyNotice.policy_id


def area_key(length: int) -> Key:
    """Group by the division code cut to `length` (the level below the area shown)."""
    return lambda table: func.substr(table.division_code, 1, length)


def industry_key() -> Key:
    """Group by GB/T 4754 section (the industry code's letter; enterprises only)."""
    return lambda table: func.substr(table.industry, 1, 1)
