"""Patrol point import: check every row, place it in its grid, assign its worker; all or nothing unless asked."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.orm import Session

from cityloop.accounts.models import User
from cityloop.areas.elements.table_import import read_checked, rejected, row_error
from cityloop.areas.grids import index as grid_index
from cityloop.audit import service as audit
from cityloop.config import get_settings
from cityloop.gridwork.points import repository as repo
from cityloop.gridwork.points.models import PatrolPoint, PointWorker
from cityloop.kit.auth import Role, Subject
from cityloop.kit.errors import Forbidden

COLUMNS = ("point_id", "name", "lng", "lat", "cycle_days", "worker")
MAX_CYCLE_DAYS = 366
Problem = tuple[str, str, str]  # (column, zh, en)


@dataclass
class PointRow:
    """One checked row of a point file."""

    line: int
    code: str = ""
    name: str = ""
    lng: float = 0.0
    lat: float = 0.0
    cycle_days: int = 1
    worker: str = ""
    problems: list[Problem] = field(default_factory=list)


@dataclass
class PointImport:
    """Outcome: points created and updated, workers assigned, rows rejected with their lines."""

    created: int = 0
    updated: int = 0
    assigned: int = 0
    errors: list[dict[str, Any]] = field(default_factory=list)


def import_file(session: Session, subject: Subject, data: bytes, filename: str, keep_good: bool = False
                ) -> PointImport:
    """Import a CSV/XLSX of points; nothing is written if any row is bad unless `keep_good`."""
    if not subject.has(Role.ADMIN):
        raise Forbidden("只有管理员可以导入巡查点位", "Only administrators may import patrol points")
    raw = read_checked(data, filename, COLUMNS)
    rows = [parse_row(line, values) for line, values in raw]
    users = repo.users_by_name(session, sorted({r.worker for r in rows if r.worker}))
    _check_across(rows, users)
    report = PointImport(errors=[_error(r) for r in rows if r.problems])
    if report.errors and not keep_good:
        raise rejected(report.errors)
    _write(session, [r for r in rows if not r.problems], users, report)
    audit.record(session, subject, "import_patrol_points", "patrol_point", [],
                 {"created": report.created, "updated": report.updated, "rejected": len(report.errors)})
    session.commit()
    return report


def parse_row(line: int, values: dict[str, str]) -> PointRow:
    """Check one row's own fields."""
    row = PointRow(line, code=values.get("point_id", ""), name=values.get("name", ""), worker=values.get("worker", ""))
    if not row.code or len(row.code) > 40:
        row.problems.append(("point_id", "必填，最多 40 个字符", "required, at most 40 characters"))
    if not row.name or len(row.name) > 120:
        row.problems.append(("name", "必填，最多 120 个字符", "required, at most 120 characters"))
    row.lng = _coordinate(row, values.get("lng", ""), "lng", 180)
    row.lat = _coordinate(row, values.get("lat", ""), "lat", 90)
    cycle = values.get("cycle_days", "")
    if not cycle.isdigit() or not 1 <= int(cycle) <= MAX_CYCLE_DAYS:
        row.problems.append(("cycle_days", f"应为 1–{MAX_CYCLE_DAYS} 的整数天数",
                             f"a whole number of days from 1 to {MAX_CYCLE_DAYS}"))
    else:
        row.cycle_days = int(cycle)
    if not row.worker:
        row.problems.append(("worker", "必填：网格员用户名", "required: the grid worker's username"))
    return row


def _coordinate(row: PointRow, text: str, name: str, bound: float) -> float:
    try:
        value = float(text)
    except ValueError:
        value = math.nan
    if not math.isfinite(value) or abs(value) > bound or value == 0:
        row.problems.append((name, f"应为 WGS84 {'经度' if name == 'lng' else '纬度'}",
                             f"must be a WGS84 {'longitude' if name == 'lng' else 'latitude'}"))
        return 0.0
    return value


def _check_across(rows: list[PointRow], users: dict[str, User]) -> None:
    first: dict[str, PointRow] = {}
    for row in rows:
        user = users.get(row.worker)
        if row.worker and user is None:
            row.problems.append(("worker", f"用户 {row.worker} 不存在或已停用", f"no active user {row.worker}"))
        elif user is not None and Role.GRID_WORKER not in user.roles and Role.ADMIN not in user.roles:
            row.problems.append(("worker", f"用户 {row.worker} 不是网格员", f"user {row.worker} is not a grid worker"))
        seen = first.setdefault(row.code, row)
        # A point may be listed once per responsible worker; its other fields must then agree.
        if seen is not row and (seen.name, seen.lng, seen.lat, seen.cycle_days) != (row.name, row.lng, row.lat,
                                                                                    row.cycle_days):
            row.problems.append(("point_id", f"与第 {seen.line} 行的同一点位信息不一致",
                                 f"differs from line {seen.line} for the same point"))


def _error(row: PointRow) -> dict[str, Any]:
    return row_error(row.line, row.problems)


def _write(session: Session, rows: list[PointRow], users: dict[str, User], report: PointImport) -> None:
    existing = repo.points_by_code(session, sorted({r.code for r in rows}))
    placed: dict[str, PatrolPoint] = {}
    for row in rows:
        if row.code in placed:
            continue
        point = existing.get(row.code)
        if point is None:
            point = PatrolPoint(code=row.code)
            report.created += 1
        else:
            report.updated += 1
        with session.no_autoflush:
            _place(session, point, row)
        session.add(point)
        placed[row.code] = point
    session.flush()
    have = repo.workers_of(session, [p.id for p in placed.values()])
    for row in rows:
        key = (placed[row.code].id, users[row.worker].id)
        if key not in have:
            session.add(PointWorker(point_id=key[0], user_id=key[1]))
            have.add(key)
            report.assigned += 1


def _place(session: Session, point: PatrolPoint, row: PointRow) -> None:
    point.name, point.lng, point.lat, point.cycle_days, point.is_active = (row.name, row.lng, row.lat,
                                                                          row.cycle_days, True)
    found = grid_index.lookup(session, row.lng, row.lat)
    point.grid_code, point.division_code = found if found else (None, get_settings().city_code)
