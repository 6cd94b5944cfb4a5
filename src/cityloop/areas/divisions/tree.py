"""Division tree reads for the API: children of a code, or a nested subtree."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from cityloop.areas import repository as repo
from cityloop.areas.divisions.models import Division
from cityloop.kit.errors import NotFound


def _node(d: Division) -> dict[str, Any]:
    return {"code": d.code, "name": d.name, "short_name": d.short_name, "level": d.level,
            "parent_code": d.parent_code}


def children(session: Session, parent_code: str | None) -> list[dict[str, Any]]:
    """Direct children of a division (the top level when no code is given)."""
    if parent_code is not None and repo.division(session, parent_code) is None:
        raise NotFound(f"区划 {parent_code} 不存在", f"Division {parent_code} not found")
    return [_node(d) for d in repo.child_divisions(session, parent_code)]


def tree(session: Session, code: str, depth: int) -> dict[str, Any]:
    """A division with its descendants `depth` levels down, nested under `children`."""
    root = repo.division(session, code)
    if root is None:
        raise NotFound(f"区划 {code} 不存在", f"Division {code} not found")
    nodes = {d.code: {**_node(d), "children": []} for d in repo.division_subtree(session, code, root.level + depth)}
    for node in nodes.values():
        parent = nodes.get(node["parent_code"] or "")
        if parent is not None and node["code"] != code:
            parent["children"].append(node)
    return nodes[code]
