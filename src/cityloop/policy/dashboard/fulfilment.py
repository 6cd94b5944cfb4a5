"""Adapter to the fulfilment figures (免申即享 tasks, payments); zeros while the fulfilment module is absent."""

from __future__ import annotations

import importlib
import importlib.util
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session

from cityloop.kit.auth import Subject

MODULE = "cityloop.policy.fulfilment.service"


@dataclass(frozen=True)
class Paid:
    """Fulfilment of one policy: tasks opened, paid, amount paid (yuan), median working days to pay."""

    tasks: int = 0
    paid: int = 0
    amount: float = 0.0
    median_days: float | None = None


def figures(session: Session, subject: Subject, division_code: str) -> dict[str, Paid]:
    """Per policy id; empty when `fulfilment_stats` does not exist (yet)."""
    if importlib.util.find_spec("cityloop.policy.fulfilment") is None or importlib.util.find_spec(MODULE) is None:
        return {}
    stats = getattr(importlib.import_module(MODULE), "fulfilment_stats", None)
    if stats is None:
        return {}
    return normalise(stats(session, subject, division_code or None))


def normalise(raw: Any) -> dict[str, Paid]:
    """Accept a mapping policy → figures or rows carrying `policy_id` (dicts or objects)."""
    items = raw.items() if isinstance(raw, Mapping) else ((_get(r, "policy_id"), r) for r in raw or [])
    out = {}
    for pid, row in items:
        days = _get(row, "median_days")
        out[str(pid)] = Paid(int(_get(row, "tasks") or 0), int(_get(row, "paid") or 0),
                             float(_get(row, "amount") or 0), float(days) if days is not None else None)
    return out


def _get(row: Any, name: str) -> Any:
    return row.get(name) if isinstance(row, Mapping) else getattr(row, name, None)
