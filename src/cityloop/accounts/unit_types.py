"""Names of unit types and kinds (城管, not `chengguan`), read from data/unit_types.json."""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path


@cache
def _catalogue() -> dict[str, dict[str, list[str]]]:
    loaded: dict[str, dict[str, list[str]]] = json.loads(
        (Path(__file__).parent / "data" / "unit_types.json").read_text(encoding="utf-8"))
    return loaded


def unit_type_label(code: str | None, lang: str = "zh") -> str:
    """The name of a unit type; an unknown code is shown as it is (it still means something to its author)."""
    pair = _catalogue()["types"].get(code or "")
    return (pair[1] if lang == "en" else pair[0]) if pair else (code or "—")


def unit_kind_label(code: str | None, lang: str = "zh") -> str:
    """The name of a unit kind (department, area office, centre)."""
    pair = _catalogue()["kinds"].get(code or "")
    return (pair[1] if lang == "en" else pair[0]) if pair else (code or "—")


def unit_types() -> dict[str, list[str]]:
    """Every known unit type code with its (zh, en) names."""
    return dict(_catalogue()["types"])
