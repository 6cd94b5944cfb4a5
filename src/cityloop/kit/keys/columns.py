"""Which columns hold data that depends on the secret key, read from the flags in their `info`."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import Column, Table

from cityloop.kit.db import Base


@dataclass(frozen=True)
class KeyedTable:
    """A table with key-dependent columns: encrypted ones, blind indexes (index → source) and keyed digests."""

    table: Table
    encrypted: tuple[Column[str], ...]
    indexes: tuple[tuple[Column[str], Column[str]], ...]
    digests: tuple[Column[str], ...]

    @property
    def key_column(self) -> Column[Any]:
        """The single-column primary key batches are walked by."""
        (pk,) = self.table.primary_key.columns
        return pk


def keyed_tables() -> list[KeyedTable]:
    """Every table of the loaded models with key-dependent columns, by name."""
    found = []
    for table in sorted(Base.metadata.tables.values(), key=lambda t: t.name):
        encrypted = tuple(c for c in table.columns if c.info.get("encrypted"))
        indexes = tuple((c, table.columns[c.info["blind_index_of"]]) for c in table.columns
                        if "blind_index_of" in c.info)
        digests = tuple(c for c in table.columns if c.info.get("keyed_digest"))
        if encrypted or indexes or digests:
            found.append(KeyedTable(table, encrypted, indexes, digests))
    return found
