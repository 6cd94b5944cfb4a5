"""File one case inside a grid and lay a straight road of door plates through that grid (run in a subprocess,
like browser_seed.py); prints the case id and the road name as JSON.

The demo city places its addresses at random inside their communities, which traces no road, so the base-map
browser test lays one along a line to see a road drawn and named.
"""

from __future__ import annotations

import csv
import io
import json

from shapely.geometry import shape
from sqlalchemy import select

from cityloop.accounts import service as accounts
from cityloop.accounts.models import User
from cityloop.areas import repository as areas
from cityloop.areas.addresses import locate
from cityloop.areas.elements import service as elements
from cityloop.areas.elements.models import ElementKind
from cityloop.areas.grids import service as grids
from cityloop.cases.intake import intake
from cityloop.cases.schemas import CaseIn
from cityloop.kit.auth import SYSTEM, Role, Subject
from cityloop.kit.db import get_sessionmaker

ROAD = "测试大道"
ADMIN = Subject(id=None, name="admin", roles=frozenset({Role.ADMIN}), scope="3301")


def main() -> None:
    """Door plates 1–30号 of ROAD across the case's grid, both sides of the road."""
    session = get_sessionmaker()()
    locate.register()  # as create_app does, so the case gets its grid
    first = grids.export_geojson(session, SYSTEM)["features"][0]
    grid = shape(first["geometry"])
    admin = session.scalar(select(User).where(User.username == "admin"))
    assert admin is not None
    case, _ = intake(session, accounts.subject_for_user(session, admin), CaseIn.model_validate({
        "channel": "hotline", "appeal_type": "complain", "title": "路灯不亮", "content": "整条路的路灯晚上都不亮。",
        "location": {"lng": round(grid.centroid.x, 6), "lat": round(grid.centroid.y, 6)}}))
    code = first["properties"]["code"]
    assert case.grid_code == code
    district, street = (areas.division(session, code[:n]) for n in (6, 9))
    assert district is not None
    assert street is not None
    x0, _, x1, _ = grid.bounds
    y = grid.centroid.y
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["标准地址", "经度", "纬度"])
    for i in range(30):
        lng, side = x0 - 0.004 + (x1 - x0 + 0.008) * i / 29, 0.00008 if i % 2 else -0.00008
        writer.writerow([f"浙江省杭州市{district.name}{street.name}{ROAD}{i + 1}号", round(lng, 6), round(y + side, 6)])
    elements.import_file(session, ADMIN, ElementKind.ADDRESSES, out.getvalue().encode(), "roads.csv")
    session.commit()
    session.close()
    print(json.dumps({"case_id": case.id, "road": ROAD}, ensure_ascii=False))  # noqa: T201


if __name__ == "__main__":
    main()
