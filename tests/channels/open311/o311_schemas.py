"""JSON Schemas of the GeoReport v2 answers, written for these tests after open311/schema-validation's."""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import urlsplit

from jsonschema import Draft7Validator, FormatChecker

# jsonschema checks date-time and uri only with optional packages; these tests check both themselves.
FORMATS = FormatChecker(formats=())
_RFC3339 = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)$")


@FORMATS.checks("date-time")
def _date_time(value: object) -> bool:
    return not isinstance(value, str) or bool(_RFC3339.match(value))


@FORMATS.checks("uri")
def _uri(value: object) -> bool:
    return not isinstance(value, str) or bool(urlsplit(value).scheme and urlsplit(value).netloc)

_STR = {"type": "string"}
_OPT_STR = {"type": ["string", "null"]}
_OPT_TIME = {"anyOf": [{"type": "string", "format": "date-time"}, {"type": "null"}]}
_OPT_NUM = {"type": ["number", "null"]}


def _list_of(item: dict[str, Any]) -> dict[str, Any]:
    return {"type": "array", "items": item}


SERVICE = {
    "type": "object", "required": ["service_code", "service_name", "metadata", "type"],
    "properties": {"service_code": _STR, "service_name": _STR, "description": _OPT_STR, "metadata": {"type": "boolean"},
                   "type": {"enum": ["realtime", "batch", "blackbox"]}, "keywords": _OPT_STR, "group": _OPT_STR},
}
SERVICES = _list_of(SERVICE)
SERVICE_DEFINITION = {
    "type": "object", "required": ["service_code", "attributes"],
    "properties": {"service_code": _STR, "attributes": _list_of({
        "type": "object", "required": ["variable", "code", "datatype", "required"],
        "properties": {"variable": {"type": "boolean"}, "code": _STR, "required": {"type": "boolean"},
                       "datatype": {"enum": ["string", "number", "datetime", "text", "singlevaluelist",
                                             "multivaluelist"]},
                       "datatype_description": _OPT_STR, "order": {"type": ["integer", "null"]},
                       "description": _OPT_STR,
                       "values": _list_of({"type": "object", "required": ["key", "name"],
                                           "properties": {"key": _STR, "name": _STR}})}})},
}
REQUEST = {
    "type": "object", "required": ["service_request_id", "status", "service_code", "requested_datetime"],
    "properties": {
        "service_request_id": _STR, "status": {"enum": ["open", "closed"]}, "status_notes": _OPT_STR,
        "service_name": _OPT_STR, "service_code": _STR,
        "description": {"anyOf": [{"type": "string", "maxLength": 4000}, {"type": "null"}]},
        "agency_responsible": _OPT_STR, "service_notice": _OPT_STR,
        "requested_datetime": {"type": "string", "format": "date-time"}, "updated_datetime": _OPT_TIME,
        "expected_datetime": _OPT_TIME, "address": _OPT_STR, "address_id": _OPT_STR, "zipcode": _OPT_STR,
        "lat": _OPT_NUM, "long": _OPT_NUM,
        "media_url": {"anyOf": [{"type": "string", "format": "uri"}, {"type": "null"}]},
    },
}
REQUESTS = _list_of(REQUEST)
POST_RESPONSE = {"type": "array", "minItems": 1, "items": {
    "type": "object", "anyOf": [{"required": ["service_request_id"]}, {"required": ["token"]}],
    "properties": {"service_request_id": _STR, "token": _STR, "service_notice": _OPT_STR, "account_id": _OPT_STR}}}
TOKENS = _list_of({"type": "object", "required": ["service_request_id", "token"],
                   "properties": {"service_request_id": _OPT_STR, "token": _STR}})
UPDATES = _list_of({
    "type": "object", "required": ["update_id", "service_request_id", "status", "updated_datetime", "description"],
    "properties": {"update_id": _STR, "service_request_id": _STR, "description": _STR, "media_url": _OPT_STR,
                   "updated_datetime": {"type": "string", "format": "date-time"},
                   "status": {"enum": ["open", "investigating", "in_progress", "action_scheduled", "fixed", "closed",
                                       "duplicate", "not_councils_responsibility", "no_further_action"]}}})
ERRORS = {"type": "array", "minItems": 1, "items": {
    "type": "object", "required": ["code", "description"],
    "properties": {"code": {"type": "integer"}, "description": _STR}}}


def validate(instance: Any, schema: dict[str, Any]) -> None:
    """Raise jsonschema.ValidationError unless `instance` fits `schema` (formats checked too)."""
    Draft7Validator(schema, format_checker=FORMATS).validate(instance)
