"""The demo: a catalogue of at least 60 items from 12 units, 5 bundles, 8 places and walked applications."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from builders import World
from cityloop.kit.auth import Role
from cityloop.services.applications.models import Application
from cityloop.services.demo import seed
from cityloop.services.items import repository as items_repo


def test_the_demo_catalogue_and_history(db: Session, world: World) -> None:
    from cityloop.accounts import service as accounts

    accounts.create_user(db, "window", "x-secret-pass", [Role.WINDOW], scope="3301", unit=world.units["center"])
    db.commit()
    report = seed.seed_all(db, days=8)
    live = items_repo.all_active(db)
    assert len(live) >= 60
    assert len({i.unit_name for i in live}) >= 12
    assert all(i.guide for i in live[:10] if i.code.split("-")[2] >= "0500")
    assert (report["bundles"], report["places"]) == (5, 8)
    assert report["applications"] == len(db.scalars(select(Application)).all()) > 20
    assert seed.seed_all(db, if_empty=True) == {"skipped": True}
