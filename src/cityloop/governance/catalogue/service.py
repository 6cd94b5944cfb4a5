"""Read the field catalogue, check it against the tables, and mask a value by its column's rule."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import yaml
from sqlalchemy import MetaData

from cityloop.kit.masking import mask_id_number, mask_name, mask_phone

DATA = Path(__file__).parent / "data" / "fields.yaml"
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


def _parse(table: str, column: str, spec: str) -> Field:
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
    return tuple(_parse(table, column, spec) for table, columns in raw.items() for column, spec in columns.items())


def field(table: str, column: str) -> Field | None:
    """The declaration of one column."""
    return next((f for f in fields() if f.table == table and f.column == column), None)


def undeclared(metadata: MetaData) -> list[str]:
    """`table.column` of every column no declaration covers."""
    declared = {(f.table, f.column) for f in fields()}
    return [f"{t.name}.{c.name}" for t in metadata.sorted_tables for c in t.columns if (t.name, c.name) not in declared]


def stale(metadata: MetaData) -> list[str]:
    """Declarations whose column no longer exists."""
    existing = {(t.name, c.name) for t in metadata.sorted_tables for c in t.columns}
    return [f"{f.table}.{f.column}" for f in fields() if (f.table, f.column) not in existing]


def masked(table: str, column: str, value: str | None) -> str | None:
    """`value` masked by its column's rule (unchanged for a column without one)."""
    declared = field(table, column)
    rule = MASKS.get(declared.mask) if declared and declared.mask else None
    return rule(value) if rule else value
