"""Routing: category × area → responsible unit and limits, via the versioned responsibility list."""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass

from sqlalchemy.orm import Session

from cityloop.cases import repository as repo
from cityloop.cases.models import ResponsibilityRule
from cityloop.cases.states import DEFAULT_LIMIT_WD, AppealType, Grade
from cityloop.kit.db import cache_clearers

_CODE_LEN = {2: 4, 3: 6, 4: 9, 5: 12}
GRID_LEVEL = 6  # "by grid": the unit of the case grid's street (grid code = county 6 + street 3 + community 3 + seq 4)
_UNIT_TTL = 60.0


@dataclass(frozen=True)
class Route:
    """Outcome of routing; `unit_id` None means the dispatcher's queue."""

    unit_id: int | None
    sign_limit: float
    sign_unit: str
    handle_limit: float
    handle_unit: str
    grade: str
    rule_id: int | None
    reason: str


@dataclass(frozen=True)
class _RuleView:
    id: int
    level: int
    unit_type: str
    unit_id: int | None
    appeal_type: str
    sign_limit: float
    sign_unit: str
    handle_limit: float
    handle_unit: str
    grade: str
    disputed: bool


class _Cache:
    """Rules per taxonomy version (immutable once imported) and units by (type, division), refreshed."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.rules: dict[int, dict[str, list[_RuleView]]] = {}
        self.units: dict[tuple[str, str], int] = {}
        self.active_units: set[int] = set()
        self.units_loaded = 0.0

    def rules_for(self, session: Session, version_id: int) -> dict[str, list[_RuleView]]:
        if version_id not in self.rules:
            table: dict[str, list[_RuleView]] = {}
            for r in repo.rules_of(session, version_id):
                table.setdefault(r.category_code, []).append(_view(r))
            with self.lock:
                self.rules[version_id] = table
        return self.rules[version_id]

    def unit_for(self, session: Session, unit_type: str, division_code: str) -> int | None:
        if time.monotonic() - self.units_loaded > _UNIT_TTL:
            self._load_units(session)
        return self.units.get((unit_type, division_code))

    def _load_units(self, session: Session) -> None:
        units = repo.active_units(session)
        table = {(u.unit_type, u.division_code): u.id for u in sorted(units, key=lambda u: -u.id) if u.unit_type}
        with self.lock:
            self.units = table
            self.active_units = {u.id for u in units}
            self.units_loaded = time.monotonic()

    def clear(self) -> None:
        with self.lock:
            self.rules.clear()
            self.units.clear()
            self.units_loaded = 0.0


_cache = _Cache()
cache_clearers.append(_cache.clear)


def clear_cache() -> None:
    """Forget cached rules and units (after imports or unit changes)."""
    _cache.clear()


def _view(r: ResponsibilityRule) -> _RuleView:
    return _RuleView(r.id, r.area_level, r.unit_type, r.unit_id, r.appeal_type, r.sign_limit, r.sign_unit,
                     r.handle_limit, r.handle_unit, r.default_grade, r.disputed)


def default_route(appeal_type: str, reason: str) -> Route:
    """Limits by appeal type when no rule applies; the case waits for a dispatcher."""
    limit = DEFAULT_LIMIT_WD.get(AppealType(appeal_type), 10)
    return Route(None, 2, "wh", limit, "wd", Grade.C, None, reason)


def route(session: Session, version_id: int | None, category_code: str | None, division_code: str,
          appeal_type: str, grid_code: str | None = None) -> Route:
    """Pick the most local rule at or above the case's level (grid first when known) and resolve its unit there."""
    if version_id is None or not category_code:
        return default_route(appeal_type, "no_category")
    candidates = _cache.rules_for(session, version_id).get(category_code, [])
    if not candidates:
        return default_route(appeal_type, "no_rule")
    case_level = {4: 2, 6: 3, 9: 4, 12: 5}.get(len(division_code), 2)
    levels = ([GRID_LEVEL] if grid_code else []) + list(range(min(case_level, 5), 1, -1))
    for level in levels:
        rule = _best_rule(candidates, level, appeal_type)
        if rule is None:
            continue
        if rule.disputed:
            return _route(None, rule, "disputed")
        area = (grid_code or "")[:9] if level == GRID_LEVEL else division_code[: _CODE_LEN[level]]
        unit_id = rule.unit_id or _cache.unit_for(session, rule.unit_type, area)
        if unit_id is None:
            continue
        return _route(unit_id, rule, "rule")
    return default_route(appeal_type, "no_unit")


def _best_rule(candidates: list[_RuleView], level: int, appeal_type: str) -> _RuleView | None:
    exact = [r for r in candidates if r.level == level and r.appeal_type == appeal_type]
    generic = [r for r in candidates if r.level == level and not r.appeal_type]
    found = exact or generic
    return found[0] if found else None


def _route(unit_id: int | None, rule: _RuleView, reason: str) -> Route:
    return Route(unit_id, rule.sign_limit, rule.sign_unit, rule.handle_limit, rule.handle_unit, rule.grade,
                 rule.id, reason)


def active_unit_ids(session: Session) -> set[int]:
    """Ids of the units that can receive cases (cached like the rules' units)."""
    if time.monotonic() - _cache.units_loaded > _UNIT_TTL:
        _cache._load_units(session)
    return _cache.active_units
