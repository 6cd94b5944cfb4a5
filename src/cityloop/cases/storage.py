"""Storing a new case in one round trip: Core INSERT … RETURNING for the case, its first events, key and files.

The ORM unit of work costs several milliseconds of CPU per case (change tracking, one flush per table); intake is
the one write a province platform does thousands of times a second, so it goes through Core. On PostgreSQL the case,
its events, its idempotency key and its file index are one statement (data-modifying CTEs, atomic); SQLite gets the
same rows in a few statements of the same transaction. Statements are built once per shape with bound parameters,
so SQLAlchemy neither rebuilds nor recompiles them. Afterwards the object is attached to the session as if it had
been loaded, so hooks, the workflow and the response use it without a SELECT.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any, cast

from sqlalchemy import (
    ColumnElement,
    Connection,
    Executable,
    Insert,
    Table,
    bindparam,
    insert,
    select,
    union_all,
)
from sqlalchemy.orm import Session

from cityloop.cases.fulltext.grams import grams
from cityloop.cases.idempotency.models import IdempotencyKey
from cityloop.cases.models import Case, CaseEvent, CaseFile, file_names
from cityloop.kit.core_insert import attach_loaded, column_values, insert_statement

CASES = cast(Table, Case.__table__)
EVENTS = cast(Table, CaseEvent.__table__)
KEYS = cast(Table, IdempotencyKey.__table__)
FILES = cast(Table, CaseFile.__table__)
EVENT_COLUMNS = [c.key for c in EVENTS.columns if c.key not in {"id", "case_id"}]


def store_new_case(session: Session, case: Case, events: list[dict[str, Any]],
                   key: tuple[str, str] | None = None) -> None:
    """Insert `case` (transient) with `events` (CaseEvent columns but case_id) and its (key, fingerprint)."""
    values = _values(case)
    names = [name[:80] for name in file_names(case.attachments)]
    connection = session.connection()
    if connection.dialect.name == "postgresql":
        params = _params(values, events, key, names)
        case_id = connection.execute(_one_statement(len(events), key is not None, len(names)), params).scalar_one()
    else:
        case_id = connection.execute(_case_insert(), values).scalar_one()
        _dependants(connection, case_id, events, key, names)
    values.pop("search_grams")  # deferred on the model: not part of a loaded case
    attach_loaded(session, case, {**values, "id": case_id})


def _values(case: Case) -> dict[str, Any]:
    given = column_values(case, CASES)
    given["search_grams"] = grams(f"{case.title} {case.content}")  # as the ORM listener would (cases.fulltext)
    return given


def _params(values: dict[str, Any], events: list[dict[str, Any]], key: tuple[str, str] | None,
            names: list[str]) -> dict[str, Any]:
    params = dict(values)  # the case's columns by name; the dependants' names are prefixed, so none collide
    for i, event in enumerate(events):
        params.update({f"e{i}_{k}": event[k] for k in EVENT_COLUMNS})
    if key:
        params.update(k_key=key[0], k_fingerprint=key[1])
    params.update({f"f{i}_name": name for i, name in enumerate(names)})
    return params


@lru_cache
def _case_insert() -> Insert:
    return insert_statement(CASES).returning(CASES.c.id)


@lru_cache(maxsize=32)
def _one_statement(events: int, key: bool, files: int) -> Executable:
    """PostgreSQL: the case, then from its returned id each dependant row, as one atomic statement."""
    stored = _case_insert().cte("new_case")
    # One INSERT for all events, in order: their ids must follow the order of the history.
    parts = [_from_case(EVENTS, stored.c.id, *[{k: f"e{i}_{k}" for k in EVENT_COLUMNS} for i in range(events)]
                        ).cte("new_events")] if events else []
    if key:
        parts.append(_from_case(KEYS, stored.c.id, {"key": "k_key", "fingerprint": "k_fingerprint"}).cte("new_key"))
    parts += [_from_case(FILES, stored.c.id, {"name": f"f{i}_name"}).cte(f"file_{i}") for i in range(files)]
    return select(stored.c.id).add_cte(*parts)


def _from_case(table: Table, case_id: ColumnElement[Any], *rows: dict[str, str]) -> Insert:
    """INSERT INTO table (case_id, …) SELECT the new case's id with each row's bound values, rows in order."""
    selects = [select(case_id, *[bindparam(param, type_=table.c[column].type) for column, param in row.items()])
               for row in rows]
    return insert(table).from_select(["case_id", *rows[0]], selects[0] if len(selects) == 1 else union_all(*selects))


def _dependants(connection: Connection, case_id: int, events: list[dict[str, Any]],
                key: tuple[str, str] | None, names: list[str]) -> None:
    connection.execute(insert(EVENTS), [{"case_id": case_id, **event} for event in events])
    if key:
        connection.execute(insert(KEYS), {"key": key[0], "fingerprint": key[1], "case_id": case_id})
    if names:
        connection.execute(insert(FILES), [{"name": name, "case_id": case_id} for name in names])
