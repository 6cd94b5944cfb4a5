"""Re-encrypt every key-dependent column under a new secret key, in batches, resumable after a crash.

Progress (the table and primary key reached) is committed with each batch, so a re-run with the same keys
carries on where the last one stopped; the check value changes to the new key's only at the end.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import bindparam, select, update
from sqlalchemy.orm import Session

from cityloop.kit.crypto import blind_index, check_value, decrypt, encrypt, readable
from cityloop.kit.keys.check import CHECK, ROTATION, KeyRefused, encrypted_sample
from cityloop.kit.keys.columns import KeyedTable, keyed_tables
from cityloop.kit.keys.models import SystemValue

OnBatch = Callable[[str, int], None]


@dataclass
class Report:
    """Rows rewritten per table, and encrypted values the old key could not read (left as they were)."""

    rows: dict[str, int] = field(default_factory=dict)
    unreadable: int = 0


def rotate(session: Session, old: str, new: str, batch: int = 500, on_batch: OnBatch | None = None) -> Report:
    """Move the database from key `old` to key `new` (or finish a rotation between them that was cut short)."""
    if old == new:
        raise KeyRefused("新旧密钥相同", "The old and new keys are the same")
    state = _start_or_resume(session, old, new)
    report = Report()
    for keyed in keyed_tables():
        if keyed.table.name in state["done"]:
            continue
        while rows := _next_rows(session, keyed, state, batch):
            values = [_rekeyed(keyed, row, old, new, report) for row in rows]
            session.execute(_update(keyed), values)
            state["after"] = rows[-1][0]
            _save(session, state)
            session.commit()
            report.rows[keyed.table.name] = report.rows.get(keyed.table.name, 0) + len(rows)
            if on_batch:
                on_batch(keyed.table.name, len(rows))
        state["done"].append(keyed.table.name)
        state["after"] = None
        _save(session, state)
        session.commit()
    session.merge(SystemValue(name=CHECK, value=check_value(new)))
    session.delete(session.get(SystemValue, ROTATION))
    session.commit()
    return report


def _start_or_resume(session: Session, old: str, new: str) -> dict[str, Any]:
    keys = {"old": check_value(old), "new": check_value(new)}
    saved = session.get(SystemValue, ROTATION)
    if saved is not None:
        state: dict[str, Any] = json.loads(saved.value)
        if {k: state[k] for k in keys} != keys:
            raise KeyRefused("已有一次使用其他密钥的轮换尚未完成，请用那次的新旧密钥再次运行",
                             "An unfinished rotation between other keys exists: re-run it with its old and new keys")
        return state
    stored = session.get(SystemValue, CHECK)
    sample = encrypted_sample(session) if stored is None else None
    if (stored is not None and stored.value != keys["old"]) or (sample is not None and not readable(sample, old)):
        raise KeyRefused("旧密钥不是数据库当前使用的密钥", "The old key is not the key this database uses")
    state = {**keys, "done": [], "after": None}
    session.add(SystemValue(name=ROTATION, value=json.dumps(state)))
    session.commit()
    return state


def _next_rows(session: Session, keyed: KeyedTable, state: dict[str, Any], batch: int) -> list[Any]:
    pk = keyed.key_column
    names = {c.name for c in keyed.encrypted}
    sources = [source for _index, source in keyed.indexes if source.name not in names]
    query = select(pk, *keyed.encrypted, *sources).order_by(pk).limit(batch)
    if state["after"] is not None:
        query = query.where(pk > state["after"])
    return list(session.execute(query))


def _rekeyed(keyed: KeyedTable, row: Any, old: str, new: str, report: Report) -> dict[str, Any]:
    values: dict[str, Any] = {"key_": row[0]}
    plain: dict[str, str | None] = {}
    for column in keyed.encrypted:
        stored = row._mapping[column]
        plain[column.name] = decrypt(stored, old)
        if stored and plain[column.name] is None:
            report.unreadable += 1
            values["new_" + column.name] = stored  # kept: perhaps some other key reads it
        else:
            values["new_" + column.name] = encrypt(plain[column.name], new)
    for index, source in keyed.indexes:
        # An unreadable source leaves no index: the old one would never match under the new key anyway.
        values["new_" + index.name] = blind_index(plain.get(source.name, row._mapping[source]), new)
    for digest in keyed.digests:
        # A keyed digest cannot be recomputed without its input; empty means "not checked" to its readers.
        values["new_" + digest.name] = None
    return values


def _update(keyed: KeyedTable) -> Any:
    columns = [*keyed.encrypted, *(index for index, _source in keyed.indexes), *keyed.digests]
    # Parameter names differ from the columns': SQLAlchemy reserves those for its own SET parameters.
    return (update(keyed.table).where(keyed.key_column == bindparam("key_"))
            .values({c.name: bindparam("new_" + c.name) for c in columns}))


def _save(session: Session, state: dict[str, Any]) -> None:
    saved = session.get(SystemValue, ROTATION)
    if saved is not None:
        saved.value = json.dumps(state)
