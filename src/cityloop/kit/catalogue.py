"""The field catalogue as rules: each column's GB/T 43697 level, its personal-data flags and its masking rule.

The declarations live in governance/catalogue/data/fields.yaml (one place, checked against the tables by a test);
every module below governance reads them through here, so what a caller sees of a column is decided by the
catalogue and the caller's role, not by each module.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import yaml

from cityloop.kit.auth import Subject
from cityloop.kit.masking import mask_id_number, mask_name, mask_phone

DATA = Path(__file__).resolve().parents[1] / "governance" / "catalogue" / "data" / "fields.yaml"
LEVELS = ("核心", "重要", "一般")
LEVEL_EN = {"核心": "core", "重要": "important", "一般": "general"}
MASKS: dict[str, Callable[[str | None], str | None]] = {
    "name": mask_name, "phone": mask_phone, "id_number": mask_id_number,
    "address": lambda v: (v[:6] + "…") if v else v,  # the district and road, not the door
    "point": lambda v: v if v is None else str(round(float(v), 3)),  # about 100 m
    "hidden": lambda v: v if v is None else "***",
}


@dataclass(frozen=True)
class Field:
    """One declared column."""

    table: str
    column: str
    level: str
    pi: bool
    sensitive: bool
    mask: str | None


def parse(table: str, column: str, spec: str) -> Field:
    """One declaration (`重要 pi sensitive mask=id_number`); a ValueError names the column and the bad words."""
    words = str(spec).split()
    if not words or words[0] not in LEVELS:
        raise ValueError(f"{table}.{column}: level must be one of {LEVELS}, not {spec!r}")
    flags = set(words[1:])
    masks = [w.split("=", 1)[1] for w in flags if w.startswith("mask=")]
    unknown = {w for w in flags if not w.startswith("mask=")} - {"pi", "sensitive"}
    if unknown or any(m not in MASKS for m in masks):
        raise ValueError(f"{table}.{column}: unknown words {sorted(unknown) or masks} in {spec!r}")
    return Field(table, column, words[0], "pi" in flags or "sensitive" in flags, "sensitive" in flags,
                 masks[0] if masks else None)


@cache
def fields() -> tuple[Field, ...]:
    """Every declaration, in file order."""
    raw = yaml.safe_load(DATA.read_text(encoding="utf-8")) or {}
    return tuple(parse(table, column, spec) for table, columns in raw.items() for column, spec in columns.items())


@cache
def _index() -> dict[tuple[str, str], Field]:
    return {(f.table, f.column): f for f in fields()}


def field(table: str, column: str) -> Field | None:
    """The declaration of one column."""
    return _index().get((table, column))


def masked(table: str, column: str, value: Any) -> Any:
    """`value` masked by its column's rule (unchanged for a column without one)."""
    declared = field(table, column)
    rule = MASKS.get(declared.mask) if declared and declared.mask else None
    return rule(value) if rule else value


def may_see(subject: Subject, table: str, column: str) -> bool:
    """True when the caller may read the column in clear: always for non-personal columns, else by role."""
    declared = field(table, column)
    if declared is None:
        # An undeclared column fails the catalogue test; until then it is treated as personal, never leaked.
        return subject.sees_pii
    return not declared.pi or subject.sees_pii


def shown(subject: Subject, table: str, column: str, value: Any, own: bool = False) -> Any:
    """The value as this caller may see it: clear for their own record or a role with the right, else masked."""
    return value if own or may_see(subject, table, column) else masked(table, column, value)


def shown_row(subject: Subject, table: str, values: Mapping[str, Any], own: bool = False) -> dict[str, Any]:
    """`shown` over several columns of one row (keys are column names)."""
    return {column: shown(subject, table, column, value, own) for column, value in values.items()}


def masked_row(table: str, values: Mapping[str, Any]) -> dict[str, Any]:
    """Every column of one row masked by its rule, whoever asks (exports without the right to clear data)."""
    return {column: masked(table, column, value) for column, value in values.items()}
