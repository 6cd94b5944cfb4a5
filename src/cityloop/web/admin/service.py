"""Admin console rules: users, units, taxonomy import/export and holiday overrides."""

from __future__ import annotations

import io
import tempfile
from datetime import date
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session

from cityloop.accounts import repository as accounts_repo
from cityloop.accounts import service as accounts
from cityloop.accounts.models import Unit, User
from cityloop.areas import repository as areas_repo
from cityloop.audit import service as audit
from cityloop.cases import calendar_source, routing, taxonomy
from cityloop.cases import repository as cases_repo
from cityloop.cases.models import HolidayOverride, TaxonomyVersion
from cityloop.kit.auth import PUBLIC_ROLES, Role, Subject
from cityloop.kit.errors import Forbidden, NotFound, ValidationFailed

TAXONOMY_SUFFIXES = {".csv", ".xlsx"}
MAX_TAXONOMY_BYTES = 20_000_000


def _admin(subject: Subject) -> None:
    if not subject.has(Role.ADMIN):
        raise Forbidden("只有管理员可以执行此操作", "Only administrators may do this")


def users(session: Session, subject: Subject) -> list[User]:
    """Users inside the admin's area."""
    _admin(subject)
    return accounts_repo.list_users(session, subject.scope)


def find_users(session: Session, subject: Subject, q: str = "", unit_id: int | None = None,
               role: str = "") -> list[User]:
    """Users inside the admin's area matching a search (username or name), a unit and a role."""
    needle = q.strip().lower()
    return [u for u in users(session, subject)
            if (not needle or needle in u.username.lower() or needle in (u.display_name or "").lower())
            and (unit_id is None or u.unit_id == unit_id) and (not role or role in (u.roles or []))]


def _managed_user(session: Session, subject: Subject, user_id: int) -> User:
    _admin(subject)
    user = accounts_repo.user_by_id(session, user_id)
    if user is None or not user.scope_code.startswith(subject.scope):
        raise NotFound("用户不存在或不在您的管理范围", "User not found or outside your area")
    return user


def set_user_active(session: Session, subject: Subject, user_id: int, active: bool) -> User:
    """Enable or disable a user; a disabled user can neither log in nor use a token issued before."""
    user = _managed_user(session, subject, user_id)
    if user.id == subject.id and not active:
        raise ValidationFailed({"is_active": ("不能停用自己的账号", "You cannot disable your own account")})
    user.is_active = active
    audit.record(session, subject, "enable_user" if active else "disable_user", "user", [user.id],
                 {"username": user.username}, areas=[user.scope_code])
    session.commit()
    accounts.forget_subjects()
    return user


def reset_password(session: Session, subject: Subject, user_id: int, new_password: str) -> User:
    """Set a new password for a user (the password policy applies); the password itself is never logged."""
    user = _managed_user(session, subject, user_id)
    accounts.change_password(session, user, new_password)
    audit.record(session, subject, "reset_password", "user", [user.id], {"username": user.username},
                 areas=[user.scope_code])
    session.commit()
    return user


def create_user(session: Session, subject: Subject, username: str, password: str, roles: list[str],
                scope: str, unit_id: int | None, display_name: str = "") -> User:
    """Add a user inside the admin's area."""
    _admin(subject)
    unit = accounts_repo.unit_by_id(session, unit_id) if unit_id else None
    if unit_id and unit is None:
        raise ValidationFailed({"unit_id": ("单位不存在", "Unit does not exist")})
    scope = scope or (unit.division_code if unit else "")
    if not set(roles) & PUBLIC_ROLES and not scope.startswith(subject.scope):
        raise ValidationFailed({"scope": ("辖区必须在您的管理范围内", "The area must lie inside yours")})
    user = accounts.create_user(session, username.strip(), password, roles, scope=scope, unit=unit,
                                display_name=display_name.strip())
    session.commit()
    return user


def units(session: Session) -> list[Unit]:
    """Every unit."""
    return accounts_repo.all_units(session)


def create_unit(session: Session, subject: Subject, name: str, division_code: str, kind: str, unit_type: str,
                parent_id: int | None) -> Unit:
    """Add a unit; routing forgets its cached unit table so the new unit receives cases at once."""
    _admin(subject)
    errors: dict[str, tuple[str, str]] = {}
    if not name.strip() or len(name) > 120:
        errors["name"] = ("名称长度应为1-120", "Name must be 1-120 characters")
    if not division_code.isdigit() or len(division_code) not in {2, 4, 6, 9, 12}:
        errors["division_code"] = ("区划代码应为2/4/6/9/12位数字", "Division code must have 2, 4, 6, 9 or 12 digits")
    elif not division_code.startswith(subject.scope):
        errors["division_code"] = ("区划必须在您的管理范围内", "The division must lie inside your area")
    if kind not in {"department", "area_office", "center"}:
        errors["kind"] = ("类型无效", "Invalid kind")
    parent = accounts_repo.unit_by_id(session, parent_id) if parent_id else None
    if parent_id and parent is None:
        errors["parent_id"] = ("上级单位不存在", "Parent unit does not exist")
    if errors:
        raise ValidationFailed(errors)
    unit = accounts.create_unit(session, name.strip(), division_code, kind=kind, unit_type=unit_type.strip(),
                                parent=parent)
    session.commit()
    routing.clear_cache()
    accounts.forget_subjects()
    return unit


def taxonomy_rows(session: Session) -> tuple[TaxonomyVersion | None, list[dict[str, Any]]]:
    """The active taxonomy version and its responsibility list in import format."""
    version = cases_repo.active_version(session)
    return version, taxonomy.export_rows(session, version.id) if version else []


def import_taxonomy(session: Session, subject: Subject, filename: str, content: bytes) -> TaxonomyVersion:
    """Import an uploaded CSV/XLSX as the new active version (all rows valid, or nothing changes)."""
    _admin(subject)
    suffix = Path(filename).suffix.lower()
    if suffix not in TAXONOMY_SUFFIXES:
        raise ValidationFailed({"file": ("请上传 CSV 或 XLSX 文件", "Upload a CSV or XLSX file")})
    if not content or len(content) > MAX_TAXONOMY_BYTES:
        raise ValidationFailed({"file": ("文件为空或过大", "The file is empty or too large")})
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / ("upload" + suffix)
        path.write_bytes(content)
        try:
            version = taxonomy.import_taxonomy(session, path, Path(filename).stem[:80])
        except ValidationFailed:
            session.rollback()
            raise
    version.source = filename[:255]
    session.commit()
    return version


def export_taxonomy(session: Session, fmt: str) -> bytes:
    """The active responsibility list as CSV or XLSX bytes (re-importable)."""
    version, rows = taxonomy_rows(session)
    if version is None:
        raise NotFound("尚未导入分类", "No taxonomy imported yet")
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / f"taxonomy.{'xlsx' if fmt == 'xlsx' else 'csv'}"
        taxonomy.write_rows(rows, path)
        return path.read_bytes()


def holidays(session: Session) -> list[HolidayOverride]:
    """The working-day overrides, by day."""
    return cases_repo.holiday_overrides(session)


def set_holiday(session: Session, subject: Subject, day: date, is_workday: bool, note: str) -> HolidayOverride:
    """Mark a day as working or off (replacing an earlier override of that day); deadlines use it at once."""
    _admin(subject)
    if len(note) > 120:
        raise ValidationFailed({"note": ("备注不超过120字", "At most 120 characters")})
    override = session.merge(HolidayOverride(day=day, is_workday=is_workday, note=note.strip()))
    session.commit()
    calendar_source.forget()
    return override


def delete_holiday(session: Session, subject: Subject, day: date) -> None:
    """Remove the override of one day."""
    _admin(subject)
    override = session.get(HolidayOverride, day)
    if override is None:
        raise NotFound("该日期没有设置", "No override on that day")
    session.delete(override)
    session.commit()
    calendar_source.forget()


def taxonomy_template(fmt: str) -> bytes:
    """The empty import template of the responsibility list."""
    return taxonomy.template_bytes(fmt)


def error_report(rows: list[tuple[str, str]]) -> bytes:
    """An XLSX of (line, problem) rows with bilingual headers."""
    from openpyxl import Workbook

    wb = Workbook()
    sheet = wb.active
    assert sheet is not None  # a new workbook always has its sheet
    sheet.append(["行号 / Line", "问题 / Problem"])
    for line, problem in rows:
        # Cells starting with = + - @ would run as formulas in a spreadsheet: keep them text.
        sheet.append([line, "'" + problem if problem[:1] in "=+-@" else problem])
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def grids(session: Session, subject: Subject) -> list[Any]:
    """The active grids inside the admin's area, by code."""
    _admin(subject)
    return areas_repo.list_grids(session, subject)
