"""OpenAPI generation that lists the error answers every operation can give, each with the `ErrorOut` body."""

from __future__ import annotations

import copy
import json
from typing import Any

from fastapi import FastAPI
from pydantic.json_schema import models_json_schema

from cityloop.kit.errors import ErrorOut

ERROR_REF = "#/components/schemas/ErrorOut"
_JSON_ERROR = {"application/json": {"schema": {"$ref": ERROR_REF}}}
# Statuses every operation of a kind can answer, whatever its service does: a bad credential on an operation that
# reads one, a malformed value on one that takes input. Routes declare the rest with `errors.error_responses`.
UNAUTHORIZED = {"description": "`unauthorized`: missing, invalid or expired credentials", "content": _JSON_ERROR,
                "headers": {"WWW-Authenticate": {"schema": {"type": "string"}, "description": "`Bearer`"}}}
INVALID = {"description": "`validation_failed`: malformed input or input that breaks a rule; "
                          "`details.fields` maps each field to its message", "content": _JSON_ERROR}
UNREADABLE = {"description": "`bad_request`: the body could not be read (e.g. not UTF-8)", "content": _JSON_ERROR}
_FASTAPI_422 = "#/components/schemas/HTTPValidationError"


def install(app: FastAPI) -> None:
    """Make `app.openapi()` document the implied error answers of every operation (see `document_errors`)."""

    generate = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            app.openapi_schema = document_errors(generate())
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]  # FastAPI's documented way to customise the schema


def document_errors(schema: dict[str, Any]) -> dict[str, Any]:
    """Add 401 (security), 400 (body) and 422 (any input) with `ErrorOut` to every operation, in place."""
    for item in schema.get("paths", {}).values():
        for operation in item.values():
            responses = operation.setdefault("responses", {})
            if operation.get("security"):
                responses.setdefault("401", copy.deepcopy(UNAUTHORIZED))
            if operation.get("requestBody"):
                responses.setdefault("400", copy.deepcopy(UNREADABLE))
            if operation.get("parameters") or operation.get("requestBody"):
                # FastAPI's own 422 describes its `detail` list; ours answers with ErrorOut.
                responses["422"] = copy.deepcopy(INVALID)
    _, defs = models_json_schema([(ErrorOut, "validation")], ref_template="#/components/schemas/{model}")
    components = schema.setdefault("components", {}).setdefault("schemas", {})
    for name, definition in defs.get("$defs", {}).items():
        components.setdefault(name, definition)
    if _FASTAPI_422 not in json.dumps(schema.get("paths", {})):
        components.pop("HTTPValidationError", None)
        components.pop("ValidationError", None)
    return schema
