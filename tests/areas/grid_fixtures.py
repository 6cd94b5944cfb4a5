"""Small grid fixtures shared by the areas tests: divisions, subjects and GeoJSON builders."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from cityloop.areas.divisions.models import Division
from cityloop.kit.auth import Role, Subject

COMMUNITY_A, COMMUNITY_B, STREET = "330106001001", "330106001002", "330106001"
ADMIN = Subject(id=None, name="admin", roles=frozenset({Role.ADMIN}), scope="3301")
STAFF_B = Subject(id=None, name="b", roles=frozenset({Role.DISPATCHER}), scope="330105")


def add_divisions(session: Session) -> None:
    """City → district → street → two communities, and a second district."""
    for code, name, level, parent in [("3301", "杭州市", 2, None), ("330106", "西湖区", 3, "3301"),
                                      (STREET, "北山街道", 4, "330106"), (COMMUNITY_A, "甲社区", 5, STREET),
                                      (COMMUNITY_B, "乙社区", 5, STREET), ("330105", "拱墅区", 3, "3301"),
                                      ("330105001", "米市巷街道", 4, "330105"),
                                      ("330105001001", "丙社区", 5, "330105001")]:
        session.add(Division(code=code, name=name, level=level, parent_code=parent))
    session.commit()


def box(x0: float, y0: float, x1: float, y1: float) -> dict[str, Any]:
    """A closed GeoJSON polygon for an axis-aligned rectangle."""
    return {"type": "Polygon", "coordinates": [[[x0, y0], [x1, y0], [x1, y1], [x0, y1], [x0, y0]]]}


def feature(code: str, geometry: dict[str, Any], **props: Any) -> dict[str, Any]:
    """A grid feature."""
    return {"type": "Feature", "geometry": geometry, "properties": {"code": code, "name": f"网格{code[-4:]}", **props}}


def collection(*features: dict[str, Any]) -> dict[str, Any]:
    """A FeatureCollection."""
    return {"type": "FeatureCollection", "features": list(features)}


def row_of_boxes(community: str, n: int, x0: float = 120.10, y0: float = 30.20, w: float = 0.01,
                 h: float = 0.01) -> dict[str, Any]:
    """`n` adjacent boxes in one community, codes …0001 upwards."""
    return collection(*[feature(f"{community}{i + 1:04d}", box(x0 + i * w, y0, x0 + (i + 1) * w, y0 + h))
                        for i in range(n)])
