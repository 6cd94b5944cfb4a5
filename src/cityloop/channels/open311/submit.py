"""POST requests: an Open311 form becomes a case through the normal intake, channel `open311`."""

from __future__ import annotations

import hashlib
import mimetypes
import re
from collections.abc import Sequence
from typing import Any
from urllib.parse import urlsplit

from pydantic import ValidationError
from sqlalchemy.orm import Session

from cityloop.accounts.service import subject_from_api_key
from cityloop.areas.elements import repository as address_repo
from cityloop.cases.intake import intake
from cityloop.cases.schemas import CaseIn
from cityloop.cases.states import AppealType, Channel
from cityloop.channels.open311 import service
from cityloop.channels.open311.service import BadRequest
from cityloop.kit.auth import Subject
from cityloop.kit.db import MAX_ID
from cityloop.kit.errors import Forbidden, ValidationFailed

_ATTRIBUTE = re.compile(r"^attribute\[([^\]]{1,60})\](\[\])?$")
MAX_CLIENT_ID = 80  # also the length of a case's external_id, where the client's id is kept


def submit(session: Session, form: Sequence[tuple[str, str]], idempotency_key: str | None,
           lang: str = "zh") -> list[dict[str, Any]]:
    """File one service request; a retry under the same client id and body returns the same request."""
    fields = {name: value.strip() for name, value in form if not name.startswith("attribute[")}
    service.check_jurisdiction(fields.get("jurisdiction_id"))
    subject = _filer(session, fields.get("api_key", ""))
    client_id = (idempotency_key or fields.get("service_request_id") or "").strip()
    if len(client_id) > MAX_CLIENT_ID:
        raise BadRequest(f"请求编号不能超过 {MAX_CLIENT_ID} 个字符",
                         f"The client's request id may not exceed {MAX_CLIENT_ID} characters")
    data = case_in(session, fields, _attributes(form), client_id)
    # The device scopes the client's id, so two phones of one app cannot collide; intake adds the API key. Hashed:
    # intake keeps 120 characters of a key, and a long device id must not cut the client's id off.
    scoped = f"{fields.get('device_id', '')}\x00{client_id}".encode()
    key = f"open311:{hashlib.sha256(scoped).hexdigest()[:40]}" if client_id else None
    case, _created = intake(session, subject, data, key)
    notice = (f"Received as case {case.number}" if lang == "en" else f"已受理，工单编号 {case.number}")
    return [{"service_request_id": case.number, "service_notice": notice, "account_id": None}]


def _filer(session: Session, api_key: str) -> Subject:
    if not api_key:
        raise Forbidden("缺少 api_key", "api_key is required")
    subject = subject_from_api_key(session, api_key)
    if not subject.is_staff:
        # Intake lets citizens file only through web and app; an Open311 client is a staff integration.
        raise Forbidden("该 API 密钥不能提交 Open311 请求", "This API key may not file Open311 requests")
    return subject


def case_in(session: Session, fields: dict[str, str], attributes: dict[str, list[str]], client_id: str) -> CaseIn:
    """The intake payload of an Open311 form (BadRequest when the spec's required fields are missing)."""
    code = fields.get("service_code", "")
    if not code:
        raise BadRequest("缺少 service_code", "service_code is required")
    name = service.service_name(session, code)
    if name is None:
        raise BadRequest(f"未知服务 {code}", f"Unknown service_code {code}")
    location = _location(session, fields)
    description = fields.get("description", "")
    lines = [description or name, *(f"{k}: {', '.join(v)}" for k, v in attributes.items())]
    reporter = " ".join(p for p in (fields.get("first_name"), fields.get("last_name")) if p)
    media = fields.get("media_url", "")
    try:
        return CaseIn.model_validate({
            # A report about public space (城市管理事件), not a personal complaint.
            "channel": Channel.OPEN311, "appeal_type": AppealType.EVENT,
            "title": _title(description, name), "content": "\n".join(lines), "category_code": code,
            "reporter": {"name": reporter[:40] or None, "phone": fields.get("phone") or None},
            "location": location, "external_id": client_id or None, "source_system": "open311",
            "attachments": [_attachment(media)] if media else [],
        })
    except ValidationError as exc:
        raise ValidationFailed({".".join(str(p) for p in e["loc"]): ("格式不正确: " + e["msg"], e["msg"])
                                for e in exc.errors()}) from None


def _location(session: Session, fields: dict[str, str]) -> dict[str, Any]:
    lat, lng = fields.get("lat", ""), fields.get("long", "")
    address, address_id = fields.get("address_string", ""), fields.get("address_id", "")
    if bool(lat) != bool(lng):
        raise BadRequest("lat 与 long 需同时提供", "lat and long must be given together")
    if not (lat or address or address_id):
        raise BadRequest("需提供位置：lat/long、address_string 或 address_id",
                         "A location is required: lat/long, address_string or address_id")
    out: dict[str, Any] = {"address": address or None}
    if lat:
        try:
            out.update(lat=float(lat), lng=float(lng))
        except ValueError:
            raise BadRequest("lat/long 应为数字", "lat and long must be numbers") from None
    elif address_id:
        # An id of the standard-address table (标准地址库): its text and point, as if the client had sent them.
        row = address_repo.address_by_id(session, int(address_id)) if address_id.isdigit() and \
            int(address_id) <= MAX_ID else None
        if row is None:
            raise BadRequest(f"未知地址编号 {address_id}", f"Unknown address_id {address_id}")
        out.update(address=address or row.text, lat=row.lat, lng=row.lng)
    return out


def _attributes(form: Sequence[tuple[str, str]]) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for name, value in form:
        match = _ATTRIBUTE.match(name)
        if match and value.strip():
            out.setdefault(match.group(1), []).append(value.strip()[:500])
    return out


def _title(description: str, service_name: str) -> str:
    first = description.splitlines()[0].strip() if description else ""
    return (first[:60] if len(first) >= 2 else service_name)[:200]


def _attachment(url: str) -> dict[str, Any]:
    name = urlsplit(url).path.rsplit("/", 1)[-1][:200] or "media"
    return {"name": name, "content_type": mimetypes.guess_type(name)[0] or "application/octet-stream", "size": 0,
            "url": url}
