"""Grid-work fixtures: a few points imported through the service, owned by the test world's grid worker."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from sqlalchemy.orm import Session

from cityloop.gridwork.points import service as points
from cityloop.kit.auth import SYSTEM

POINTS = ("P001,北山街道1号井盖,120.1500,30.2600,1,grid_worker\n"
          "P002,西湖边河段,120.1600,30.2700,7,grid_worker\n"
          "P003,拱墅区菜场,120.1700,30.3000,1,admin\n")


@pytest.fixture
def patrol(db: Session, world) -> Callable[[str], None]:  # type: ignore[no-untyped-def]
    """Import points (the default three unless given): P001 daily and P002 weekly are the grid worker's."""
    def load(body: str = POINTS) -> None:
        data = ("point_id,name,lng,lat,cycle_days,worker\n" + body).encode()
        points.import_file(db, SYSTEM, data, "points.csv")

    load()
    return load
