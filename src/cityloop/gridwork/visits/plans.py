"""Visit plans (which households and firms, how often), kept as data beside the code."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from cityloop.areas.elements.models import ElementKind


@dataclass(frozen=True)
class Plan:
    """Visit every element of `kind` (with `tag`, when given) every `cycle_days`."""

    key: str
    kind: ElementKind
    tag: str | None
    cycle_days: int
    zh: str
    en: str


PLANS: dict[str, Plan] = {
    raw["key"]: Plan(raw["key"], ElementKind(raw["kind"]), raw["tag"], int(raw["cycle_days"]), raw["zh"], raw["en"])
    for raw in json.loads((Path(__file__).parent / "data" / "plans.json").read_text(encoding="utf-8"))
}
