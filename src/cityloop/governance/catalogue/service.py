"""Check the field catalogue against the tables; the reading and masking live in `kit.catalogue`."""

from __future__ import annotations

from sqlalchemy import MetaData

from cityloop.kit.catalogue import LEVEL_EN, LEVELS, MASKS, Field, field, fields, masked
from cityloop.kit.catalogue import parse as _parse

__all__ = ["LEVELS", "LEVEL_EN", "MASKS", "Field", "_parse", "field", "fields", "masked", "stale", "undeclared"]


def undeclared(metadata: MetaData) -> list[str]:
    """`table.column` of every column no declaration covers."""
    declared = {(f.table, f.column) for f in fields()}
    return [f"{t.name}.{c.name}" for t in metadata.sorted_tables for c in t.columns if (t.name, c.name) not in declared]


def stale(metadata: MetaData) -> list[str]:
    """Declarations whose column no longer exists."""
    existing = {(t.name, c.name) for t in metadata.sorted_tables for c in t.columns}
    return [f"{f.table}.{f.column}" for f in fields() if (f.table, f.column) not in existing]

