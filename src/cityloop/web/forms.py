"""Turning form input into service payloads, and payload errors into per-field messages."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Depends, Request
from pydantic import BaseModel, ValidationError
from starlette.datastructures import FormData, UploadFile

from cityloop.cases.models import parse_case_number
from cityloop.cases.schemas import ActionIn, CaseIn
from cityloop.kit.errors import ValidationFailed
from cityloop.kit.phones import MESSAGE as PHONE_MESSAGE

# Form field names are flat; nested payload paths map onto them so errors show next to the right input.
_FIELD_OF_PATH = {
    "reporter.name": "name", "reporter.phone": "phone", "reporter.id_number": "id_number",
    "location.address": "address", "location.lng": "lng", "location.lat": "lat",
    "location.division_code": "division_code", "location.grid_code": "grid_code",
}
_MESSAGES = {
    "string_too_short": ("内容太短", "Too short"),
    "string_too_long": ("内容太长", "Too long"),
    "missing": ("必填", "Required"),
    "string_pattern_mismatch": ("格式不正确", "Invalid format"),
    "enum": ("请选择一项", "Choose one option"),
    "phone_invalid": PHONE_MESSAGE,
}


def validation_failed(exc: ValidationError) -> ValidationFailed:
    """Pydantic errors as a ValidationFailed keyed by form field names."""
    fields: dict[str, tuple[str, str]] = {}
    for err in exc.errors():
        path = ".".join(str(p) for p in err["loc"])
        name = _FIELD_OF_PATH.get(path, path.split(".")[0])
        zh, en = _MESSAGES.get(err["type"], ("格式不正确", str(err["msg"])))
        fields.setdefault(name, (zh, en))
    return ValidationFailed(fields)


def _parse(model: type[BaseModel], data: dict[str, Any]) -> Any:
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise validation_failed(exc) from exc


def _blank_to_none(value: str | None) -> str | None:
    return value.strip() if value and value.strip() else None


def _float(value: str | None) -> float | None:
    if not value:
        return None
    try:
        return float(value)
    except ValueError:
        return None


def case_in(form: dict[str, Any], channel: str, attachments: list[Any] | None = None) -> CaseIn:
    """A CaseIn from a flat intake form (portal, desk, grid)."""
    data: dict[str, Any] = {
        "channel": channel, "appeal_type": form.get("appeal_type") or "", "title": form.get("title") or "",
        "content": form.get("content") or "",
        "reporter": {k: v for k in ("name", "phone", "id_number") if (v := _blank_to_none(form.get(k)))},
        "location": {"address": _blank_to_none(form.get("address")), "lng": _float(form.get("lng")),
                     "lat": _float(form.get("lat")), "division_code": _blank_to_none(form.get("division_code"))},
        "category_code": _blank_to_none(form.get("category_code")),
        "attachments": [a.model_dump() if isinstance(a, BaseModel) else a for a in attachments or []],
    }
    parsed: CaseIn = _parse(CaseIn, data)
    return parsed


def action_in(form: dict[str, Any]) -> ActionIn:
    """An ActionIn from an action form; unknown and empty fields are dropped."""
    data: dict[str, Any] = {}
    for key in ("note", "reply", "satisfaction", "category_code"):
        if form.get(key):
            data[key] = str(form[key]).strip()
    for key in ("unit_id", "into", "expected_version", "reply_by"):
        if form.get(key):
            data[key] = form[key]
    if isinstance(data.get("into"), str) and len(data["into"].strip()) >= 16:
        # People merge by the case number they see; the id inside it is what the workflow takes.
        data["into"] = parse_case_number(data["into"]) or data["into"]
    if form.get("days"):
        data["days"] = form["days"]
    if form.get("passed") in {"true", "false"}:
        data["passed"] = form["passed"] == "true"
    parsed: ActionIn = _parse(ActionIn, data)
    return parsed


async def read_form(request: Request) -> FormData:
    """The parsed form of a POST (cached by Starlette, so the CSRF check and the view share it)."""
    return await request.form()


Form = Annotated[FormData, Depends(read_form)]


def fields(form: FormData) -> dict[str, str]:
    """Text fields of a form (last value wins)."""
    return {k: v for k, v in form.items() if isinstance(v, str)}


def files(form: FormData, name: str) -> list[UploadFile]:
    """Uploaded files of one field."""
    return [f for f in form.getlist(name) if isinstance(f, UploadFile)]
