"""Static data of the demo city, read from `data/city.json`: divisions, units and appeal templates.

Street codes and names come from the NBS 2022 division list (public, WTFPL as packaged); communities, roads
per street, coordinates (rough street centres) and every text in the file are written for the demo.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from importlib import resources
from typing import Any


@dataclass(frozen=True)
class District:
    """A district of the demo city and its username prefix."""

    code: str
    name: str
    short: str
    prefix: str


@dataclass(frozen=True)
class Street:
    """A street (or town) with its username slug, rough centre, roads and invented communities."""

    code: str
    name: str
    slug: str
    lng: float
    lat: float
    roads: tuple[str, ...]
    communities: tuple[str, ...]


@dataclass(frozen=True)
class Leaf:
    """Text material of one leaf: weight, appeal types, extra channels and (title, body) templates."""

    weight: int
    appeals: str  # "complain:6 report:1": appeal types with weights
    texts: tuple[tuple[str, str], ...]
    grid: tuple[tuple[str, str], ...] = ()
    iot: tuple[tuple[str, str], ...] = ()
    dispute_units: tuple[str, ...] = field(default=())  # unit types a dispatcher picks for a disputed leaf


def _pairs(rows: list[list[str]]) -> tuple[tuple[str, str], ...]:
    return tuple((a, b) for a, b in rows)


def _strings(mapping: dict[str, list[str]]) -> dict[str, tuple[str, ...]]:
    return {key: tuple(values) for key, values in mapping.items()}


def _leaf(raw: dict[str, Any]) -> Leaf:
    return Leaf(raw["weight"], raw["appeals"], _pairs(raw["texts"]), _pairs(raw.get("grid", [])),
                _pairs(raw.get("iot", [])), tuple(raw.get("dispute_units", ())))


_DATA: dict[str, Any] = json.loads(
    resources.files("cityloop.cases.demo").joinpath("data", "city.json").read_text(encoding="utf-8"))

PROVINCE: tuple[str, str, str] = tuple(_DATA["province"])
CITY: tuple[str, str, str] = tuple(_DATA["city"])
DISTRICTS = tuple(District(**d) for d in _DATA["districts"])
STREETS = tuple(Street(**{**s, "roads": tuple(s["roads"]), "communities": tuple(s["communities"])})
                for s in _DATA["streets"])
# unit_type → (city-level name, district-level name with {d} for the district).
DEPARTMENTS: dict[str, tuple[str, str]] = {k: (v[0], v[1]) for k, v in _DATA["departments"].items()}
SURNAMES = tuple(_DATA["surnames"])
GIVEN = tuple(_DATA["given_names"])
PHONE_PREFIXES: list[str] = list(_DATA["phone_prefixes"])
# Values for the {slot}s of the templates; each case draws one of each.
SLOTS = _strings(_DATA["slots"])
OPENERS = _strings(_DATA["openers"])
CLOSERS = _strings(_DATA["closers"])
LEAVES: dict[str, Leaf] = {code: _leaf(raw) for code, raw in _DATA["leaves"].items()}
REPLIES = _strings(_DATA["replies"])
INVALID_TEXTS: tuple[tuple[str, str, str], ...] = tuple((a, b, c) for a, b, c in _DATA["invalid_texts"])
RETURN_REASONS = tuple(_DATA["return_reasons"])
REASSIGN_NOTES = tuple(_DATA["reassign_notes"])
EXTENSION_REASONS = tuple(_DATA["extension_reasons"])
SUSPEND_REASONS = tuple(_DATA["suspend_reasons"])
VERIFY_FAIL_NOTES = tuple(_DATA["verify_fail_notes"])
REOPEN_NOTES = tuple(_DATA["reopen_notes"])
URGE_NOTES = tuple(_DATA["urge_notes"])
MERGE_NOTE: str = _DATA["merge_note"]
DISPATCH_NOTES = tuple(_DATA["dispatch_notes"])
