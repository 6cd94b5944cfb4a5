"""Preview: unsaved criteria counted over the registry, the same as a saved policy's match; admins only."""

from __future__ import annotations

from datetime import UTC, date, datetime

from policy_data import PERSON_HEADER, id_number, import_policies, person_line, person_policy
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from cityloop.kit import clock
from cityloop.kit.auth import SYSTEM
from cityloop.policy.matching.models import PolicyMatch
from cityloop.policy.registry.persons import service as persons


def _registry(session: Session) -> None:
    clock.freeze(datetime(2026, 6, 1, 4, tzinfo=UTC))
    lines = [person_line(id_number(date(1920 + 7 * i, 3, 3), i), division="330106" if i % 3 else "330105")
             for i in range(12)]
    persons.import_persons(session, SYSTEM, (PERSON_HEADER + "".join(lines)).encode(), "p.csv")


def test_preview_counts_what_the_saved_policy_then_matches(world, db: Session, client,
                                                           auth) -> None:  # type: ignore[no-untyped-def]
    _registry(db)
    criteria = person_policy(min_age=70)["criteria"]
    answer = client.post("/api/v1/policy/preview", json={"object": "person", "criteria": criteria},
                         headers=auth("admin"))
    assert answer.status_code == 200, answer.text
    counts = answer.json()
    import_policies(db, [person_policy(min_age=70, no_application=False)])

    def stored(status: str) -> int:
        return db.scalar(select(func.count()).select_from(PolicyMatch).where(PolicyMatch.status == status)) or 0

    assert counts == {"eligible": stored("eligible"), "near_miss": stored("near_miss"), "total": 12}
    assert counts["eligible"] > 0


def test_preview_is_for_admins_and_names_the_bad_node(world, db: Session, client,
                                                      auth) -> None:  # type: ignore[no-untyped-def]
    body = {"object": "person", "criteria": [{"label": "x", "rule": {">": [{"var": "salary"}, 1]}}]}
    assert client.post("/api/v1/policy/preview", json=body, headers=auth("handler")).status_code == 403
    refused = client.post("/api/v1/policy/preview", json=body, headers=auth("admin"))
    assert refused.status_code == 422
    assert list(refused.json()["details"]["fields"]) == ["criteria[0].rule.>[0].var"]
