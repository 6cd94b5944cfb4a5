"""Admin console: users, units, taxonomy and responsibility list (import/export), holiday overrides, grids slot."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Query, Request, Response
from fastapi.responses import RedirectResponse
from sqlalchemy.orm import Session

from cityloop.accounts.unit_types import unit_types
from cityloop.cases.taxonomy import COLUMNS, HEADERS_ZH
from cityloop.kit.auth import Role, Subject
from cityloop.kit.db import MAX_ID
from cityloop.kit.deps import DbSession, Lang
from cityloop.kit.errors import ValidationFailed
from cityloop.web import exports, forms
from cityloop.web.admin import service as admin_service
from cityloop.web.pages import PageRoute, field_errors, render
from cityloop.web.security import require

router = APIRouter(route_class=PageRoute, include_in_schema=False)
Admin = Annotated[Subject, Depends(require(Role.ADMIN))]
TABS = ("users", "units", "taxonomy", "holidays", "grids")
ROLES = [r for r in Role if r != Role.SYSTEM]


def _ctx(session: Session, subject: Subject, tab: str, errors: dict[str, str] | None = None,
         values: dict[str, str] | None = None, message: str = "",
         filters: dict[str, str] | None = None) -> dict[str, Any]:
    ctx: dict[str, Any] = {"tab": tab if tab in TABS else "users", "tabs": TABS, "errors": errors or {},
                           "values": values or {}, "message": message, "roles": ROLES,
                           "units": admin_service.units(session), "unit_types": unit_types()}
    if ctx["tab"] == "users":
        f = filters or {}
        unit_id = int(f["unit_id"]) if f.get("unit_id", "").isdigit() else None
        ctx["users"] = admin_service.find_users(session, subject, f.get("q", ""), unit_id, f.get("role", ""))
        ctx["filters"] = f
    elif ctx["tab"] == "taxonomy":
        ctx["version"], ctx["rows"] = admin_service.taxonomy_rows(session)
        ctx["columns"], ctx["column_names"] = COLUMNS, HEADERS_ZH
    elif ctx["tab"] == "grids":
        ctx["grids"] = admin_service.grids(session, subject)
    elif ctx["tab"] == "holidays":
        ctx["holidays"] = admin_service.holidays(session)
    return ctx


@router.get("/admin")
def admin(request: Request, session: DbSession, subject: Admin, tab: str = "users", msg: str = "",
          q: Annotated[str, Query(max_length=80)] = "", unit_id: Annotated[str, Query(max_length=12)] = "",
          role: Annotated[str, Query(max_length=40)] = "") -> Response:
    """One tab of the admin console (the users tab searches by name and filters by unit and role)."""
    ctx = _ctx(session, subject, tab, message=msg, filters={"q": q, "unit_id": unit_id, "role": role})
    return render(request, "admin/index.html", ctx, subject)


@router.post("/admin/users/{user_id}/active")
def set_active(request: Request, session: DbSession, subject: Admin, form: forms.Form, lang: Lang,
               user_id: Annotated[int, Path(ge=1, le=MAX_ID)]) -> Response:
    """Disable or re-enable a user."""
    try:
        admin_service.set_user_active(session, subject, user_id, forms.fields(form).get("active") == "true")
    except ValidationFailed as exc:
        return _fail(request, session, subject, "users", exc, lang, {})
    return _done("users", "ok")


@router.post("/admin/users/{user_id}/password")
def reset_password(request: Request, session: DbSession, subject: Admin, form: forms.Form, lang: Lang,
                   user_id: Annotated[int, Path(ge=1, le=MAX_ID)]) -> Response:
    """Set a new password for a user (password policy applies)."""
    try:
        admin_service.reset_password(session, subject, user_id, forms.fields(form).get("new_password", ""))
    except ValidationFailed as exc:
        return _fail(request, session, subject, "users", exc, lang, {})
    return _done("users", "ok")


def _fail(request: Request, session: Session, subject: Subject, tab: str, exc: ValidationFailed, lang: str,
          values: dict[str, str]) -> Response:
    session.rollback()
    return render(request, "admin/index.html", _ctx(session, subject, tab, field_errors(exc, lang), values),
                  subject, status_code=400)


def _done(tab: str, message: str) -> Response:
    return RedirectResponse(f"/admin?tab={tab}&msg={message}", status_code=303)


@router.post("/admin/users")
def add_user(request: Request, session: DbSession, subject: Admin, form: forms.Form, lang: Lang) -> Response:
    """Create a user."""
    v = forms.fields(form)
    roles = [r for r in form.getlist("roles") if isinstance(r, str)]
    try:
        unit_id = int(v["unit_id"]) if v.get("unit_id", "").isdigit() else None
        admin_service.create_user(session, subject, v.get("username", ""), v.get("password", ""), roles,
                                  v.get("scope", "").strip(), unit_id, v.get("display_name", ""))
    except ValidationFailed as exc:
        return _fail(request, session, subject, "users", exc, lang, v)
    return _done("users", "ok")


@router.post("/admin/units")
def add_unit(request: Request, session: DbSession, subject: Admin, form: forms.Form, lang: Lang) -> Response:
    """Create a unit."""
    v = forms.fields(form)
    try:
        parent = int(v["parent_id"]) if v.get("parent_id", "").isdigit() else None
        admin_service.create_unit(session, subject, v.get("name", ""), v.get("division_code", "").strip(),
                                  v.get("kind", "department"), v.get("unit_type", ""), parent)
    except ValidationFailed as exc:
        return _fail(request, session, subject, "units", exc, lang, v)
    return _done("units", "ok")


@router.post("/admin/taxonomy/import")
def import_taxonomy(request: Request, session: DbSession, subject: Admin, form: forms.Form, lang: Lang) -> Response:
    """Import a taxonomy + responsibility list file as the new active version."""
    uploads = forms.files(form, "file")
    try:
        if not uploads:
            raise ValidationFailed({"file": ("请选择文件", "Choose a file")})
        content = uploads[0].file.read(admin_service.MAX_TAXONOMY_BYTES + 1)
        admin_service.import_taxonomy(session, subject, uploads[0].filename or "upload.csv", content)
    except ValidationFailed as exc:
        return _fail(request, session, subject, "taxonomy", exc, lang, {})
    return _done("taxonomy", "ok")


@router.get("/admin/taxonomy/export")
def export_taxonomy(session: DbSession, subject: Admin, fmt: str = "csv") -> Response:
    """The active responsibility list as CSV or XLSX."""
    fmt = "xlsx" if fmt == "xlsx" else "csv"
    media = exports.MEDIA[fmt]
    return Response(admin_service.export_taxonomy(session, fmt), media_type=media,
                    headers={"Content-Disposition": f'attachment; filename="taxonomy.{fmt}"'})


@router.get("/admin/taxonomy/template")
def taxonomy_template(subject: Admin, fmt: str = "xlsx") -> Response:
    """An empty responsibility-list file with the Chinese headers, ready to fill in."""
    fmt = "xlsx" if fmt == "xlsx" else "csv"
    return Response(admin_service.taxonomy_template(fmt), media_type=exports.MEDIA[fmt],
                    headers={"Content-Disposition": f'attachment; filename="taxonomy-template.{fmt}"'})


@router.post("/admin/import-errors")
def import_errors(subject: Admin, form: forms.Form) -> Response:
    """The per-row error report shown on the page, as an XLSX file (the page posts its own table back)."""
    rows = list(zip(form.getlist("line"), form.getlist("problem"), strict=False))
    body = admin_service.error_report([(str(a), str(b)) for a, b in rows][:10_000])
    return Response(body, media_type=exports.MEDIA["xlsx"],
                    headers={"Content-Disposition": 'attachment; filename="import-errors.xlsx"'})


@router.post("/admin/holidays")
def set_holiday(request: Request, session: DbSession, subject: Admin, form: forms.Form, lang: Lang) -> Response:
    """Add or replace a working-day override."""
    v = forms.fields(form)
    try:
        try:
            day = date.fromisoformat(v.get("day", ""))
        except ValueError as exc:
            raise ValidationFailed({"day": ("请选择日期", "Choose a date")}) from exc
        admin_service.set_holiday(session, subject, day, v.get("is_workday") == "true", v.get("note", ""))
    except ValidationFailed as exc:
        return _fail(request, session, subject, "holidays", exc, lang, v)
    return _done("holidays", "ok")


@router.post("/admin/holidays/delete")
def delete_holiday(session: DbSession, subject: Admin, form: forms.Form) -> Response:
    """Remove a working-day override."""
    day = forms.fields(form).get("day", "")
    try:
        parsed = date.fromisoformat(day)
    except ValueError as exc:
        raise ValidationFailed({"day": ("日期无效", "Invalid date")}) from exc
    admin_service.delete_holiday(session, subject, parsed)
    return _done("holidays", "ok")


@router.get("/admin/users/export")
def export_users(session: DbSession, subject: Admin, lang: Lang, fmt: str = "csv") -> Response:
    """The user list as CSV or XLSX (no passwords; admins may see contact data)."""
    header = ["id", "username", "display_name", "roles", "unit_id", "scope", "active"]
    rows = [[u.id, u.username, u.display_name, ",".join(u.roles), u.unit_id or "", u.scope_code, u.is_active]
            for u in admin_service.users(session, subject)]
    return exports.download(header, [[exports.safe_cell(c) for c in r] for r in rows], fmt, "users")
