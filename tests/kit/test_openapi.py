"""The OpenAPI schema documents every error answer of every operation, with the body the API really sends."""

from __future__ import annotations

from typing import Any

import pytest

from cityloop.app import create_app
from cityloop.kit.errors import Conflict, ErrorOut, InvalidTransition, NotFound, error_responses
from cityloop.kit.openapi import ERROR_REF, document_errors

ERROR_BODY = {"application/json": {"schema": {"$ref": ERROR_REF}}}


@pytest.fixture(scope="module")
def schema() -> dict[str, Any]:
    """The application's OpenAPI document."""
    return create_app().openapi()


def _operations(schema: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    return [(f"{method.upper()} {path}", op) for path, item in schema["paths"].items() for method, op in item.items()]


def test_authenticated_operations_document_401(schema: dict[str, Any]) -> None:
    missing = [name for name, op in _operations(schema) if op.get("security") and "401" not in op["responses"]]
    assert missing == []


def test_operations_with_input_document_422_with_the_error_body(schema: dict[str, Any]) -> None:
    wrong = [name for name, op in _operations(schema) if (op.get("parameters") or op.get("requestBody"))
             and op["responses"].get("422", {}).get("content") != ERROR_BODY]
    assert wrong == []


def test_every_error_status_has_the_error_body(schema: dict[str, Any]) -> None:
    wrong = [f"{name} {status}" for name, op in _operations(schema) for status, answer in op["responses"].items()
             if int(status) >= 400 and answer.get("content") != ERROR_BODY]
    assert wrong == []


def test_fastapis_own_validation_body_is_gone(schema: dict[str, Any]) -> None:
    assert "HTTPValidationError" not in schema["components"]["schemas"]
    assert set(ErrorOut.model_json_schema()["properties"]) <= set(schema["components"]["schemas"]["ErrorOut"]
                                                                  ["properties"])


@pytest.mark.parametrize(("operation", "statuses"), [
    ("POST /api/v1/cases/{case_id}/actions/{action}", {"401", "403", "404", "409", "422"}),
    ("GET /api/v1/kpi", {"401", "403", "422"}),
    ("POST /api/v1/auth/token", {"401", "422", "429"}),
    ("GET /api/v1/track", {"404", "422"}),
])
def test_issue_examples_are_documented(schema: dict[str, Any], operation: str, statuses: set[str]) -> None:
    responses = dict(_operations(schema))[operation]["responses"]
    assert statuses <= set(responses)


def test_public_operations_do_not_claim_401(schema: dict[str, Any]) -> None:
    assert "401" not in dict(_operations(schema))["GET /api/v1/track"]["responses"]


def test_errors_sharing_a_status_are_described_together() -> None:
    described = error_responses(NotFound, Conflict, InvalidTransition)
    assert set(described) == {404, 409}
    assert "`conflict`" in described[409]["description"]
    assert "`invalid_transition`" in described[409]["description"]


def test_documenting_twice_changes_nothing() -> None:
    once = document_errors(create_app().openapi())
    assert document_errors(once) == once


def test_unreadable_body_and_unknown_path_answer_in_the_error_shape(client) -> None:  # type: ignore[no-untyped-def]
    unreadable = client.put("/api/v1/holidays/2026-01-02", content=b"\xff",
                            headers={"Content-Type": "application/json"})
    unknown = client.get("/api/v1/no-such-thing")
    assert (unreadable.status_code, unreadable.json()["error"]) == (400, "bad_request")
    assert (unknown.status_code, unknown.json()["error"]) == (404, "not_found")
