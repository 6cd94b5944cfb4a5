"""Hot-path inserts of ORM objects through Core: one prepared INSERT … RETURNING id, objects joined as loaded.

The unit of work tracks changes, sorts dependencies and flushes table by table; for rows that are written once and
read back by id (a new case's notices, outbox messages) that bookkeeping is most of the CPU a write costs.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache
from typing import Any, cast

from sqlalchemy import Column, ColumnDefault, Insert, Table, bindparam, insert
from sqlalchemy.orm import Session, make_transient_to_detached
from sqlalchemy.orm.attributes import set_committed_value

from cityloop.kit.db import Base


def column_values(obj: Base, table: Table) -> dict[str, Any]:
    """Every column but the id: the object's value, else the column's Python default, else NULL."""
    given = obj.__dict__
    return {c.key: given[c.key] if c.key in given else default_of(c) for c in table.columns if c.key != "id"}


def default_of(column: Column[Any]) -> Any:
    """A column's Python-side default (Core fills it only for columns a statement leaves out; ours name them all)."""
    if column.default is None:
        return None
    default = cast(ColumnDefault, column.default)
    return default.arg(None) if default.is_callable else default.arg


def attach_loaded(session: Session, obj: Base, values: dict[str, Any]) -> None:
    """Make a transient object persistent with these stored values, as if a query had loaded it (no SELECT)."""
    for name, value in values.items():
        set_committed_value(obj, name, value)
    make_transient_to_detached(obj)
    session.add(obj)


def insert_loaded(session: Session, objects: Sequence[Base]) -> None:
    """Insert transient objects of one mapped class (id primary key) in one round trip; they join as loaded."""
    if not objects:
        return
    table = cast(Table, type(objects[0]).__table__)
    rows = [column_values(obj, table) for obj in objects]
    # Several rows go as one multi-row INSERT; sort_by_parameter_order pairs each returned id with its row.
    ids = session.connection().execute(_returning(table), rows).scalars().all()
    for obj, values, new_id in zip(objects, rows, ids, strict=True):
        attach_loaded(session, obj, {**values, "id": new_id})


@lru_cache(maxsize=64)
def insert_statement(table: Table) -> Insert:
    """INSERT of every column but the id, each bound by its column name; built once per table, so SQLAlchemy finds
    the compiled form by the statement's memoised cache key."""
    server_only = [c.key for c in table.columns if c.server_default is not None and c.default is None]
    if server_only:  # naming every column would write NULL over the database's default
        raise ValueError(f"{table.name}: columns with only a server default cannot be inserted here: {server_only}")
    return insert(table).values({c.key: bindparam(c.key, type_=c.type) for c in table.columns if c.key != "id"})


@lru_cache(maxsize=64)
def _returning(table: Table) -> Insert:
    return insert_statement(table).returning(table.c.id, sort_by_parameter_order=True)
