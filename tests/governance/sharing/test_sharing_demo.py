"""The demo catalogue: seeded once beside the demo city's units, with the story's approver."""

from __future__ import annotations

from sqlalchemy import select

from builders import CITY, World
from cityloop.accounts import service as accounts
from cityloop.accounts.models import User
from cityloop.governance.sharing.demo import seed
from cityloop.governance.sharing.resources.service import list_resources


def test_demo_catalogue_is_seeded_once_with_the_story_users(db, world: World) -> None:
    assert "skipped" in seed(db)  # no city-level 城管局 yet
    for name, unit_type in (("杭州市城管局", "chengguan"), ("杭州市住建局", "zhujian")):
        accounts.create_unit(db, name, CITY, unit_type=unit_type, parent=world.units["center"])
    db.commit()
    first = seed(db, if_empty=True)
    assert "cg-cases" in first["resources"]
    assert set(first["users"]) == {"city_zhujian", "city_chengguan_lead"}
    assert seed(db, if_empty=True) == {"skipped": "resources exist"}
    resources = {r.code: r for r in list_resources(db, world.subjects["admin"])}
    assert resources["cg-cases"].level == "重要"  # it offers reporters' phones
    assert resources["cg-enforcement-parties"].sharing_type == "none"
    assert resources["cg-enforcement-parties"].conditions
    lead = db.scalar(select(User).where(User.username == "city_chengguan_lead"))
    assert lead is not None
    assert lead.unit_id == resources["cg-cases"].owner_unit_id
