"""All SQL over divisions and grids. Every query over `Grid` starts from `scoped_grids` (the area scope)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Select, String, cast, false, func, or_, select
from sqlalchemy.orm import Session

from cityloop.areas.divisions.models import Division
from cityloop.areas.grids.models import Grid, GridChange, GridStatus, GridWorker
from cityloop.kit.auth import Role, Subject


def grid_scope_filter(stmt: Select[Any], subject: Subject) -> Select[Any]:
    """Restrict any statement over `Grid` to the subject's area subtree (division-code prefix)."""
    if Role.SYSTEM in subject.roles:
        return stmt
    if not subject.is_staff or not subject.scope:
        return stmt.where(false())
    return stmt.where(Grid.division_code.startswith(subject.scope, autoescape=True))


def scoped_grids(subject: Subject) -> Select[tuple[Grid]]:
    """`SELECT grids` restricted to the subject's area."""
    return grid_scope_filter(select(Grid), subject)


def list_grids(session: Session, subject: Subject, division_prefix: str | None = None,
               include_retired: bool = False) -> list[Grid]:
    """Visible grids, optionally under a division, ordered by code."""
    stmt = scoped_grids(subject)
    if division_prefix:
        stmt = stmt.where(Grid.division_code.startswith(division_prefix, autoescape=True))
    if not include_retired:
        stmt = stmt.where(Grid.status == GridStatus.ACTIVE)
    return list(session.scalars(stmt.order_by(Grid.code)))


def get_grid(session: Session, subject: Subject, code: str) -> Grid | None:
    """One grid by code, active or retired (old cases keep pointing at retired grids)."""
    return session.scalar(scoped_grids(subject).where(Grid.code == code))


def grids_by_codes(session: Session, subject: Subject, codes: list[str]) -> list[Grid]:
    """The visible grids among `codes`, ordered by code."""
    return list(session.scalars(scoped_grids(subject).where(Grid.code.in_(codes)).order_by(Grid.code)))


def taken_codes(session: Session, subject: Subject, prefix: str) -> set[str]:
    """Codes already used under a code prefix, retired ones included (codes are never reused)."""
    stmt = grid_scope_filter(select(Grid.code), subject).where(Grid.code.startswith(prefix, autoescape=True))
    return set(session.scalars(stmt))


def workers_of(session: Session, codes: list[str]) -> dict[str, list[int]]:
    """User ids assigned to each of `codes` (callers have checked the grids are visible)."""
    out: dict[str, list[int]] = {code: [] for code in codes}
    stmt = select(GridWorker.grid_code, GridWorker.user_id).where(GridWorker.grid_code.in_(codes))
    for code, user_id in session.execute(stmt.order_by(GridWorker.id)):
        out[code].append(user_id)
    return out


def history_of(session: Session, code: str) -> list[GridChange]:
    """Changes that created or ended a grid, oldest first (callers have checked the grid is visible)."""
    needle = f'%"{code}"%'
    stmt = select(GridChange).where(or_(cast(GridChange.from_codes, String).like(needle),
                                        cast(GridChange.to_codes, String).like(needle)))
    return list(session.scalars(stmt.order_by(GridChange.id)))


def existing_divisions(session: Session, codes: set[str]) -> set[str]:
    """Which of `codes` are known divisions."""
    if not codes:
        return set()
    return set(session.scalars(select(Division.code).where(Division.code.in_(codes))))


def division(session: Session, code: str) -> Division | None:
    """One division by code."""
    return session.get(Division, code)


def child_divisions(session: Session, parent_code: str | None) -> list[Division]:
    """Direct children of a division (top level when `parent_code` is None)."""
    cond = Division.parent_code.is_(None) if parent_code is None else Division.parent_code == parent_code
    return list(session.scalars(select(Division).where(cond).order_by(Division.code)))


def division_subtree(session: Session, code: str, max_level: int) -> list[Division]:
    """A division and every descendant down to `max_level`, by code prefix."""
    stmt = select(Division).where(Division.code.startswith(code, autoescape=True), Division.level <= max_level)
    return list(session.scalars(stmt.order_by(Division.level, Division.code)))


def communities(session: Session, prefix: str = "") -> list[Division]:
    """Community-level divisions (12-digit codes) under a prefix, ordered by code."""
    stmt = select(Division).where(func.length(Division.code) == 12)
    if prefix:
        stmt = stmt.where(Division.code.startswith(prefix, autoescape=True))
    return list(session.scalars(stmt.order_by(Division.code)))


def grid_workers_by_scope(session: Session) -> dict[str, list[int]]:
    """Ids of active users holding the grid-worker role, by their area scope code."""
    from cityloop.accounts.models import User

    out: dict[str, list[int]] = {}
    rows = session.execute(select(User.id, User.roles, User.scope_code).where(User.is_active.is_(True)))
    for user_id, roles, scope in rows.all():
        if Role.GRID_WORKER.value in (roles or []) and scope:
            out.setdefault(scope, []).append(user_id)
    return out
