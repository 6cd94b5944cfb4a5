"""Element test helpers: grids over the fixture communities, CSV builders and subjects of each kind."""

from __future__ import annotations

import csv
import io

from grid_fixtures import COMMUNITY_A, COMMUNITY_B, STREET, row_of_boxes
from sqlalchemy.orm import Session

from cityloop.areas.divisions.models import Division
from cityloop.areas.grids import service as grids
from cityloop.kit.auth import Role, Subject

COMMUNITY_C = "330105001001"  # 丙社区 in the other district
ADMIN = Subject(id=None, name="admin", roles=frozenset({Role.ADMIN}), scope="3301")
STREET_USER = Subject(id=None, name="street", roles=frozenset({Role.DISPATCHER}), scope=STREET)
OTHER_USER = Subject(id=None, name="other", roles=frozenset({Role.DISPATCHER}), scope="330105")
LEADER = Subject(id=None, name="leader", roles=frozenset({Role.LEADER}), scope="3301")
CITIZEN = Subject(id=7, name="citizen", roles=frozenset({Role.CITIZEN}), scope="")

# Grid boxes: community A at 120.10–120.13, B at 120.13–120.15 (same street), C at 120.20–120.22 (other district).
A1, A2, A3 = (f"{COMMUNITY_A}000{i}" for i in (1, 2, 3))
B1, C1 = f"{COMMUNITY_B}0001", f"{COMMUNITY_C}0001"
IN_A1, IN_A2, IN_B1, IN_C1 = (120.105, 30.205), (120.115, 30.205), (120.135, 30.205), (120.205, 30.205)


def add_grids(session: Session) -> None:
    """Three grids in community A, two in B, two in C (the divisions must exist)."""
    for community, n, x0 in ((COMMUNITY_A, 3, 120.10), (COMMUNITY_B, 2, 120.13), (COMMUNITY_C, 2, 120.20)):
        grids.import_geojson(session, ADMIN, row_of_boxes(community, n, x0=x0))


def add_communities(session: Session) -> None:
    """The fixture communities under a world built by builders.build_world (which has the streets)."""
    for code, name, parent in ((COMMUNITY_A, "甲社区", STREET), (COMMUNITY_B, "乙社区", STREET),
                               (COMMUNITY_C, "丙社区", "330105001")):
        session.add(Division(code=code, name=name, level=5, parent_code=parent))
    session.commit()


def table(header: list[str], *rows: list[object]) -> bytes:
    """A UTF-8 CSV file."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(header)
    writer.writerows([["" if v is None else v for v in row] for row in rows])
    return out.getvalue().encode("utf-8")


# Valid test ID numbers (GB 11643 check digits) and credit codes (GB 32100 check characters).
ID_1, ID_2 = "110101199003071233", "330106195501011238"
CC_1, CC_2 = "91330106MA2ABCDE1G", "92330106MA2XYW001W"
