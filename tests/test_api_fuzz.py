"""Schemathesis over the OpenAPI schema: no endpoint answers 500 to generated input."""

from __future__ import annotations

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error


@pytest.fixture
def api_schema(client, world):  # type: ignore[no-untyped-def]
    """The live OpenAPI schema of the app bound to a populated test database."""
    return schemathesis.openapi.from_asgi("/openapi.json", client.app)


schema = schemathesis.pytest.from_fixture("api_schema")


@schema.parametrize()
@settings(max_examples=25, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow,
                                 HealthCheck.filter_too_much])
def test_no_server_errors(case, auth) -> None:  # type: ignore[no-untyped-def]
    case.headers = {**(case.headers or {}), **auth("admin")}
    response = case.call()
    case.validate_response(response, checks=[not_a_server_error])


@pytest.mark.parametrize(("query", "body"), [
    ("?q=a%00b", None),
    ("", {"channel": "app", "appeal_type": "help", "title": "0\u0000", "content": "00"}),
])
def test_nul_characters_get_a_clear_422(client, world, auth, query, body) -> None:  # type: ignore[no-untyped-def]
    resp = client.post(f"/api/v1/cases{query}", json=body or {}, headers=auth("agent"))
    assert resp.status_code == 422
    assert resp.json()["message"]["en"] == "Input contains a NUL character"
