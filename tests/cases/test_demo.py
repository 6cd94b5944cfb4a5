"""The demo city: users per role, every state of the loop, real history, deterministic and seeded once."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime

import pytest
from sqlalchemy.orm import Session

from cityloop.accounts import repository as accounts_repo
from cityloop.accounts.service import authenticate
from cityloop.cases.demo import seed as demo
from cityloop.cases.demo.plan import generate
from cityloop.cases.models import Case
from cityloop.cases.repository import events_of, scoped_cases
from cityloop.config import get_settings
from cityloop.kit.auth import SYSTEM
from cityloop.kit.errors import Conflict

NOW = datetime(2025, 6, 18, 2, 0, tzinfo=UTC)  # a fixed moment keeps the run identical on every machine
CASES = 150


def _cases(db: Session) -> list[Case]:
    return list(db.scalars(scoped_cases(SYSTEM).order_by(Case.id)))


def test_demo_city_runs_the_whole_loop(db: Session) -> None:
    summary = demo.seed(db, cases=CASES, seed=7, now=NOW)
    cases = _cases(db)
    assert summary.cases == len(cases) == CASES

    for name in demo.ROLE_USERS:
        assert authenticate(db, name, get_settings().demo_password).username == name
    handler = accounts_repo.user_by_name(db, "handler")
    assert handler is not None
    unit = accounts_repo.unit_by_id(db, handler.unit_id or 0)
    assert unit is not None
    assert (unit.kind, len(unit.division_code)) == ("department", 6)  # a district-level department
    for name in ("dispatcher", "supervisor", "leader"):
        user = accounts_repo.user_by_name(db, name)
        assert user is not None
        assert user.scope_code == "3301"

    states = Counter(c.state for c in cases)
    open_and_done = ("received", "dispatched", "handling", "completed", "verified", "revisited")
    for state in (*open_and_done, "invalid", "merged"):
        assert states[state] >= 1, state
    assert states["closed"] > CASES / 2
    assert summary.by_state == dict(states)

    histories = {c.id: events_of(db, c.id) for c in cases}
    assert all(h[0].action == "receive" for h in histories.values())
    actors = {e.actor_name for h in histories.values() for e in h}
    assert {"dispatcher", "supervisor", "handler"} <= actors
    assert any(a.endswith("_grid") for a in actors)

    done = [c for c in cases if c.completed_at and c.deadline]
    on_time = sum(c.completed_at <= c.deadline for c in done if c.completed_at and c.deadline)
    assert 0.6 * len(done) < on_time < len(done)
    assert any(c.card == "red" for c in cases)
    revisited = [c for c in cases if c.satisfaction]
    assert 0 < sum(c.satisfaction == "dissatisfied" for c in revisited) < len(revisited) / 4
    assert any(c.category_code is None for c in cases)
    assert all(c.division_code.startswith(("330102", "330105", "330106")) for c in cases)


def test_demo_is_deterministic_and_seeds_only_an_empty_database(db: Session) -> None:
    demo.seed(db, cases=60, seed=11, now=NOW)
    titles = [c.title for c in _cases(db)]
    assert titles == [p.title for p in generate(60, seed=11, now=NOW)]
    assert [p.title for p in generate(60, seed=12, now=NOW)] != titles
    with pytest.raises(Conflict):
        demo.seed(db, cases=10, seed=11, now=NOW)
    assert len(_cases(db)) == 60


def test_a_demo_too_small_to_train_models_still_seeds(db: Session) -> None:
    from rich.console import Console

    from cityloop.cases.demo.cli import _train_demo_models
    from cityloop.intel.registry.models import ModelVersion

    console = Console(record=True, width=200)
    _train_demo_models(console)  # no cases at all: nothing to learn from
    assert "model not trained" in console.export_text()
    assert db.query(ModelVersion).count() == 0
