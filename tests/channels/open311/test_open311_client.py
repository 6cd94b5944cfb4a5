"""Open311 client: a unit's cases go to its external system through the outbox, with retries, and its updates come
back into the case history. The remote is CityLoop's own Open311 server."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import httpx
import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from builders import file_case
from cityloop.cases.models import Case, CaseEvent
from cityloop.cases.schemas import ActionIn
from cityloop.cases.workflow import perform
from cityloop.channels.open311.client import service
from cityloop.channels.open311.client.models import Open311Delivery
from cityloop.kit.clock import utcnow

BASE = "http://testserver/open311/v2"


def _events(db: Session, case_id: int) -> list[CaseEvent]:
    return list(db.scalars(select(CaseEvent).where(CaseEvent.case_id == case_id).order_by(CaseEvent.id)))


def _configured(db: Session, world: Any, api_key: str, base: str = BASE) -> None:
    service.register()
    service.configure(db, world.subjects["admin"], world.units["zhujian"].id, base, api_key, service_code="020101")
    db.commit()


def test_a_dispatched_case_reaches_the_remote_and_its_updates_come_back(client, db, world, api_key) -> None:  # type: ignore[no-untyped-def]
    _configured(db, world, api_key)
    case = file_case(db, world.subjects["agent"], category_code="040101")  # waits for a dispatcher
    perform(db, world.subjects["dispatcher"], case.id, "dispatch", ActionIn(unit_id=world.units["zhujian"].id))
    db.commit()
    delivery = db.scalars(select(Open311Delivery).where(Open311Delivery.case_id == case.id)).one()
    assert delivery.state == "pending"
    report = service.send_due(db, client)
    assert report.sent == 1
    db.refresh(delivery)
    remote = db.scalars(select(Case).where(Case.channel == "open311")).one()  # the remote filed it as a new case
    assert delivery.remote_id == remote.number
    assert "open311_sent" in [e.action for e in _events(db, case.id)]
    assert service.pull_updates(db, client) == 1  # the first status seen is an update
    assert service.pull_updates(db, client) == 0  # nothing changed since
    perform(db, world.subjects["zj_handler"], remote.id, "sign", ActionIn())  # the remote's own handler signs it
    db.commit()
    assert service.pull_updates(db, client) == 1
    assert _events(db, case.id)[-1].action == "open311_update"


def test_a_failing_remote_is_retried_with_back_off_then_shown_as_failed(client, db, world, api_key) -> None:  # type: ignore[no-untyped-def]
    _configured(db, world, api_key, base="http://127.0.0.1:9/open311/v2")  # nothing listens on port 9
    case = file_case(db, world.subjects["agent"], category_code="020101")  # auto-dispatched to 住建局
    delivery = db.scalars(select(Open311Delivery).where(Open311Delivery.case_id == case.id)).one()
    now = utcnow()
    with httpx.Client() as http:
        assert service.send_due(db, http, now).retried == 1
        assert service.send_due(db, http, now).retried == 0  # not due again yet
        for _attempt in range(2, service.MAX_ATTEMPTS + 1):
            now += timedelta(hours=2)
            service.send_due(db, http, now)
    db.refresh(delivery)
    assert delivery.state == "failed"
    assert delivery.attempts == service.MAX_ATTEMPTS
    failed = service.deliveries(db, world.subjects["admin"], "failed")
    assert [d.id for d in failed] == [delivery.id]
    assert service.retry(db, world.subjects["admin"], delivery.id).state == "pending"


def test_a_second_dispatch_to_the_same_system_sends_nothing_twice(client, db, world, api_key) -> None:  # type: ignore[no-untyped-def]
    _configured(db, world, api_key)
    case = file_case(db, world.subjects["agent"], category_code="020101")
    service.send_due(db, client)
    service.enqueue(db, case)
    db.commit()
    assert len(db.scalars(select(Open311Delivery).where(Open311Delivery.case_id == case.id)).all()) == 1


def test_configuration_is_for_administrators(client, world, auth) -> None:  # type: ignore[no-untyped-def]
    unit = world.units["zhujian"].id
    body = {"base_url": BASE, "api_key": "k"}
    assert client.put(f"/api/v1/open311/client/endpoints/{unit}", json=body, headers=auth("dispatcher")).status_code \
        == 403
    r = client.put(f"/api/v1/open311/client/endpoints/{unit}", json={**body, "base_url": "ftp://x"},
                   headers=auth("admin"))
    assert r.status_code == 422
    assert client.put(f"/api/v1/open311/client/endpoints/{unit}", json=body, headers=auth("admin")).status_code == 200


def test_an_automatic_dispatch_queues_the_case_in_the_intake_transaction(client, db, world, api_key) -> None:  # type: ignore[no-untyped-def]
    from cityloop.cases import intake

    _configured(db, world, api_key)
    assert service.on_intake in intake.on_intake
    assert service.on_intake not in intake.after_intake
    with intake.after_intake_paused():  # what runs after the commit must not be what queues it
        case = file_case(db, world.subjects["agent"], category_code="020101")
    assert db.scalars(select(Open311Delivery.case_id)).all() == [case.id]


def test_an_administrator_of_another_district_sees_none_of_its_deliveries(client, db, world, api_key) -> None:  # type: ignore[no-untyped-def]
    from dataclasses import replace

    from builders import OTHER_DISTRICT
    from cityloop.kit.errors import NotFound

    _configured(db, world, api_key)
    case = file_case(db, world.subjects["agent"], category_code="020101")
    delivery = db.scalars(select(Open311Delivery).where(Open311Delivery.case_id == case.id)).one()
    elsewhere = replace(world.subjects["admin"], scope=OTHER_DISTRICT, unit_ids=frozenset(), area_unit_ids=frozenset())
    assert service.deliveries(db, elsewhere, None) == []
    assert [d.id for d in service.deliveries(db, world.subjects["admin"], None)] == [delivery.id]
    with pytest.raises(NotFound):
        service.retry(db, elsewhere, delivery.id)
