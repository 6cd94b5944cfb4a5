"""Schemathesis over the OpenAPI schema: no 5xx, and every answer's status, type and body are the documented ones."""

from __future__ import annotations

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, settings
from hypothesis.stateful import run_state_machine_as_test
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from builders import DISTRICT, OTHER_STREET, file_case

# The two callers of the issue: the city administrator and a district dispatcher (拱墅区), who sees less.
ROLES = ["admin", "other_dispatcher"]
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]
# Budget: both roles on both databases must stay near 90 s in CI; `bench/fuzz.sh` is the long run.
FUZZ = settings(max_examples=6, derandomize=True, deadline=None, database=None,
                phases=[Phase.explicit, Phase.generate], suppress_health_check=list(HealthCheck))
STATEFUL = settings(FUZZ, max_examples=12, stateful_step_count=6)


@pytest.fixture(params=ROLES)
def role(request: pytest.FixtureRequest) -> str:
    """The user the generated requests are sent as."""
    return str(request.param)


@pytest.fixture
def api_schema(client, world, db, auth, role):  # type: ignore[no-untyped-def]
    """The live OpenAPI schema of the app on a test city with a few cases in both districts."""
    for division, subject in ((DISTRICT, "dispatcher"), (OTHER_STREET, "other_dispatcher")):
        for _ in range(2):
            file_case(db, world.subjects[subject], location={"division_code": division})
    schema = schemathesis.openapi.from_asgi("/openapi.json", client.app)
    schema.config.update(headers=auth(role))
    return schema


schema = schemathesis.pytest.from_fixture("api_schema")


@schema.parametrize()
@FUZZ
def test_operations_conform(case) -> None:  # type: ignore[no-untyped-def]
    case.call_and_validate(checks=CHECKS)


def test_case_workflow_links_conform(api_schema) -> None:  # type: ignore[no-untyped-def]
    """Stateful phase: POST /cases, then its actions, detail and re-categorisation through the inferred links."""
    # Only the case operations: with every module's links in one machine, the rules open to Hypothesis depend on
    # what earlier examples left in the shared database, and it then reports its own data generation as flaky.
    # Every operation is still fuzzed one by one above.
    machine = api_schema.include(path_regex=r"^/api/v1/cases").as_state_machine()

    class Workflow(machine):  # type: ignore[misc, valid-type]
        def validate_response(self, response, case, **kwargs):  # type: ignore[no-untyped-def]
            case.validate_response(response, checks=CHECKS)

    run_state_machine_as_test(Workflow, settings=STATEFUL)


@pytest.mark.parametrize(("query", "body"), [
    ("?q=a%00b", None),
    ("", {"channel": "app", "appeal_type": "help", "title": "0\u0000", "content": "00"}),
])
def test_nul_characters_get_a_clear_422(client, world, auth, query, body) -> None:  # type: ignore[no-untyped-def]
    resp = client.post(f"/api/v1/cases{query}", json=body or {}, headers=auth("agent"))
    assert resp.status_code == 422
    assert resp.json()["message"]["en"] == "Input contains a NUL character"


def test_tracking_with_a_non_ascii_code_is_not_found(client, world, db) -> None:  # type: ignore[no-untyped-def]
    """Found by bench/fuzz.sh: a real case number with a Chinese lookup code answered 500."""
    case = file_case(db, world.subjects["agent"])
    resp = client.get("/api/v1/track", params={"number": case.number, "code": "查询码码"})
    assert resp.status_code == 404
