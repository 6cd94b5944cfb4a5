"""The sharing world fixture (builders in sharing_world.py)."""

from __future__ import annotations

import pytest
from sharing_world import ShareWorld, build_share
from sqlalchemy.orm import Session

from builders import World


@pytest.fixture
def share(db: Session, world: World) -> ShareWorld:
    """Resources of 西湖区城管局, its supervisor, a 住建局 supervisor, cases routed to 城管 units in two districts."""
    return build_share(db, world)
