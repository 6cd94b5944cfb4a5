"""Services fixtures: the demo catalogue loaded through the import, and a window user."""

from __future__ import annotations

import pytest
from sqlalchemy.orm import Session

from builders import CITY, PASSWORD, World
from cityloop.accounts import service as accounts
from cityloop.kit.auth import Role
from cityloop.services.demo import seed


@pytest.fixture
def catalogue(db: Session, world: World) -> None:
    """The demo items (with guides) and a `window` user of the city centre."""
    seed.seed(db)
    user = accounts.create_user(db, "window", PASSWORD, [Role.WINDOW], scope=CITY, unit=world.units["center"])
    world.users["window"] = user
    db.commit()
    world.subjects["window"] = accounts.subject_for_user(db, user)
