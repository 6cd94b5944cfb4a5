"""Unified element codes (统一要素编码, 36 digits): admin unit 15 + building 11 + element class 5 + sequence 5.

The code never embeds the grid: grids are merged and split, and an element keeps its code when it changes grid.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from enum import IntEnum

ADMIN_LEN, BUILDING_LEN, CLASS_LEN, SEQ_LEN = 15, 11, 5, 5
CODE_LEN = ADMIN_LEN + BUILDING_LEN + CLASS_LEN + SEQ_LEN
NO_BUILDING = "0" * BUILDING_LEN
_DIGITS = re.compile(r"[0-9]+")


class ElementClass(IntEnum):
    """The seven element classes; the value is the first digit of the 5-digit class field."""

    BOUNDARY = 1
    BUILDING = 2
    MUNICIPAL = 3
    ROAD_TRAFFIC = 4
    IOT = 5
    PIPELINE = 6
    WATER = 7


CLASS_LABELS: dict[ElementClass, tuple[str, str]] = {
    ElementClass.BOUNDARY: ("境界与政区", "Boundaries and divisions"),
    ElementClass.BUILDING: ("建筑房屋", "Buildings and houses"),
    ElementClass.MUNICIPAL: ("市政设施", "Municipal facilities"),
    ElementClass.ROAD_TRAFFIC: ("道路交通", "Roads and traffic"),
    ElementClass.IOT: ("物联传感", "IoT sensors"),
    ElementClass.PIPELINE: ("管线", "Pipelines"),
    ElementClass.WATER: ("水系", "Water systems"),
}


@dataclass(frozen=True)
class ElementCode:
    """The four fields of a unified element code."""

    admin: str
    building: str
    klass: str
    sequence: int

    def __str__(self) -> str:
        """The 36-digit form."""
        return f"{self.admin}{self.building}{self.klass}{self.sequence:0{SEQ_LEN}d}"

    @property
    def division_code(self) -> str:
        """The 12-digit statistical division code inside the admin unit."""
        return self.admin[:12]

    @property
    def element_class(self) -> ElementClass:
        """The major element class."""
        return ElementClass(int(self.klass[0]))

    @property
    def prefix(self) -> str:
        """Everything but the sequence: codes sharing it are numbered together."""
        return f"{self.admin}{self.building}{self.klass}"


def admin_unit(division_code: str, sub_unit: str = "000") -> str:
    """15-digit admin unit: the division code padded to 12 digits plus a 3-digit sub-unit (小区/片区)."""
    if not _DIGITS.fullmatch(division_code) or len(division_code) not in (2, 4, 6, 9, 12):
        raise ValueError(f"not a division code: {division_code!r}")
    if not _DIGITS.fullmatch(sub_unit) or len(sub_unit) != 3:
        raise ValueError(f"sub-unit must be 3 digits: {sub_unit!r}")
    return division_code.ljust(12, "0") + sub_unit


def class_field(element_class: ElementClass | int, subclass: int = 0) -> str:
    """5-digit class field: the class digit and a 4-digit subclass (e.g. 3 0101 for manhole covers)."""
    ElementClass(int(element_class))
    if not 0 <= subclass <= 9999:
        raise ValueError("subclass must be 0..9999")
    return f"{int(element_class)}{subclass:04d}"


def problems(code: str) -> list[str]:
    """Why `code` is not a valid unified element code (empty when valid)."""
    if len(code) != CODE_LEN or not _DIGITS.fullmatch(code):
        return [f"must be {CODE_LEN} digits"]
    found = []
    admin = code[:ADMIN_LEN]
    if admin[:2] == "00" or admin[:6].endswith("0000"):
        found.append("admin unit must start with a county-level division code")
    klass = code[ADMIN_LEN + BUILDING_LEN:ADMIN_LEN + BUILDING_LEN + CLASS_LEN]
    if int(klass[0]) not in {c.value for c in ElementClass}:
        found.append(f"unknown element class {klass[0]} (expects 1–7)")
    if int(code[-SEQ_LEN:]) == 0:
        found.append("sequence starts at 00001")
    return found


def is_valid(code: str) -> bool:
    """True for a well-formed unified element code."""
    return not problems(code)


def parse(code: str) -> ElementCode:
    """Split a valid code into its fields; ValueError otherwise."""
    found = problems(code)
    if found:
        raise ValueError(f"invalid element code {code!r}: {'; '.join(found)}")
    b, c = ADMIN_LEN + BUILDING_LEN, ADMIN_LEN + BUILDING_LEN + CLASS_LEN
    return ElementCode(code[:ADMIN_LEN], code[ADMIN_LEN:b], code[b:c], int(code[c:]))


def duplicates(codes: Iterable[str]) -> list[str]:
    """Codes that occur more than once, sorted."""
    return sorted(code for code, n in Counter(codes).items() if n > 1)


class CodeAllocator:
    """Hands out the next free sequence per prefix, seeded with the codes already in use (e.g. from the DB)."""

    def __init__(self, existing: Iterable[str] = ()) -> None:
        """Remember the highest sequence of every prefix in `existing`."""
        self._last: dict[str, int] = {}
        for code in existing:
            parsed = parse(code)
            self._last[parsed.prefix] = max(self._last.get(parsed.prefix, 0), parsed.sequence)

    def allocate(self, division_code: str, element_class: ElementClass | int, subclass: int = 0,
                 building: str = NO_BUILDING, sub_unit: str = "000") -> str:
        """A new, never-used code for an element in `division_code` (its grid plays no part)."""
        if not _DIGITS.fullmatch(building) or len(building) != BUILDING_LEN:
            raise ValueError(f"building must be {BUILDING_LEN} digits")
        prefix = admin_unit(division_code, sub_unit) + building + class_field(element_class, subclass)
        seq = self._last.get(prefix, 0) + 1
        if seq >= 10**SEQ_LEN:
            raise ValueError(f"sequence exhausted for {prefix}")
        self._last[prefix] = seq
        return f"{prefix}{seq:0{SEQ_LEN}d}"
