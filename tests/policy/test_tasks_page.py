"""The handler page `/policy/tasks`: the area's open tasks with the next step's button, in Chinese and English."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime

import pytest
from fastapi.testclient import TestClient
from policy_data import PERSON_HEADER, id_number, import_policies, person_line, person_policy
from sqlalchemy import select
from sqlalchemy.orm import Session

from builders import PASSWORD
from cityloop.app import create_app
from cityloop.kit import clock
from cityloop.kit.auth import SYSTEM
from cityloop.policy.fulfilment.models import Fulfilment
from cityloop.policy.registry.persons import service as persons
from cityloop.web.security import CSRF_COOKIE


@pytest.fixture
def browser(world, db: Session) -> Iterator[TestClient]:  # type: ignore[no-untyped-def]
    """A browser, and one open task for a person of 330106."""
    clock.freeze(datetime(2026, 6, 1, 2, tzinfo=UTC))
    line = person_line(id_number(date(1930, 1, 1), 9), "赵桂兰")
    persons.import_persons(db, SYSTEM, (PERSON_HEADER + line).encode(), "p.csv")
    import_policies(db, [person_policy()])
    with TestClient(create_app()) as c:
        yield c


def _login(c: TestClient, username: str) -> str:
    c.get("/login")
    token = str(c.cookies[CSRF_COOKIE])
    done = c.post("/login", data={"username": username, "password": PASSWORD, "csrf_token": token},
                  follow_redirects=False)
    assert done.status_code == 303, done.text
    return str(c.cookies[CSRF_COOKIE])


def test_a_handler_moves_a_task_from_the_page(browser: TestClient, db: Session) -> None:
    token = _login(browser, "handler")
    page = browser.get("/policy/tasks")
    assert page.status_code == 200
    assert "高龄津贴" in page.text
    assert "核验通过" in page.text
    assert "赵桂兰" in page.text
    assert "Verified" in browser.get("/policy/tasks?lang=en").text
    task = db.scalar(select(Fulfilment))
    assert task is not None
    moved = browser.post(f"/policy/tasks/{task.id}", data={"action": "verify", "csrf_token": token},
                         follow_redirects=False)
    assert moved.status_code == 303
    db.refresh(task)
    assert task.stage == "approve"
    assert "审批通过" in browser.get("/policy/tasks?lang=zh").text


def test_other_areas_and_roles_do_not_see_the_task(browser: TestClient) -> None:
    _login(browser, "other_handler")
    assert "赵桂兰" not in browser.get("/policy/tasks").text
    browser.cookies.clear()
    _login(browser, "citizen")
    assert browser.get("/policy/tasks").status_code == 403
