"""Rendering Open311 documents as JSON or XML, and the spec's error envelope."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from typing import Any

from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from starlette.exceptions import HTTPException

from cityloop.kit.errors import DomainError, ValidationFailed

FORMATS = ("json", "xml")
XML_TYPE = "text/xml; charset=utf-8"
# The element name of each member of a list-valued field, as the spec's XML examples spell them.
ITEM_NAMES = {"attributes": "attribute", "values": "value", "endpoints": "endpoint", "formats": "format",
              "errors": "error", "service_requests": "request", "services": "service",
              "service_requests_updates": "request_update"}
# Our domain statuses as the statuses Open311 clients expect: a bad key is 403, a rule broken is 400.
_ENVELOPE_STATUS = {401: 403, 422: 400}
# Characters XML 1.0 cannot carry at all (even escaped); text from imports may hold them, and one would make the
# whole document unreadable.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def render(fmt: str, root: str, document: list[dict[str, Any]] | dict[str, Any], status: int = 200) -> Response:
    """`document` as JSON, or as XML under `root` (a list becomes one `ITEM_NAMES[root]` element per member)."""
    if fmt == "json":
        return JSONResponse(document, status_code=status)
    element = ET.Element(root)
    _fill(element, root, document)
    body = ET.tostring(element, encoding="utf-8", xml_declaration=True)
    return Response(body, status_code=status, media_type=XML_TYPE)


def _fill(element: ET.Element, name: str, value: Any) -> None:
    if isinstance(value, dict):
        for key, member in value.items():
            _fill(ET.SubElement(element, key), key, member)
    elif isinstance(value, list):
        for member in value:
            _fill(ET.SubElement(element, ITEM_NAMES.get(name, "item")), name, member)
    elif isinstance(value, bool):
        element.text = "true" if value else "false"
    elif value is not None:
        element.text = _NOT_XML.sub("", str(value))


def error(fmt: str | None, status: int, description: str) -> Response:
    """The spec's error envelope: `[{"code", "description"}]` or `<errors><error>…`, with the same HTTP status."""
    return render(fmt if fmt in FORMATS else "json", "errors", [{"code": status, "description": description}],
                  status)


def error_for(fmt: str | None, exc: Exception) -> Response:
    """The envelope of a domain error, a malformed request or an unreadable body."""
    if isinstance(exc, HTTPException):
        return error(fmt, exc.status_code, str(exc.detail))
    if isinstance(exc, RequestValidationError):
        fields = "; ".join(f"{'.'.join(str(p) for p in e.get('loc', ()))}: {e.get('msg', '')}" for e in exc.errors())
        return error(fmt, 400, f"Invalid input / 输入有误: {fields}")
    assert isinstance(exc, DomainError)
    text = f"{exc.en} / {exc.zh}"
    if isinstance(exc, ValidationFailed):
        text += ": " + "; ".join(f"{field}: {en} / {zh}" for field, (zh, en) in exc.fields.items())
    return error(fmt, _ENVELOPE_STATUS.get(exc.status, exc.status), text)
