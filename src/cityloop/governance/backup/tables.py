"""Rows of every table as stored (ciphertext stays ciphertext), written to and read from gzipped JSON lines."""

from __future__ import annotations

import base64
import gzip
import json
from collections.abc import Iterator
from datetime import date, datetime, time
from decimal import Decimal
from pathlib import Path
from typing import Any

from sqlalchemy import JSON, Column, Connection, Date, DateTime, LargeBinary, MetaData, Numeric, Table, Time, select
from sqlalchemy.types import TypeDecorator, TypeEngine

BATCH = 2000


def stored_form(table: Table, into: MetaData) -> Table:
    """A copy of `table` whose columns have their storage types, so values are read and written as stored."""
    columns = [Column(c.name, _storage_type(c.type), primary_key=c.primary_key) for c in table.columns]
    return Table(table.name, into, *columns)


def _storage_type(kind: TypeEngine[Any]) -> TypeEngine[Any]:
    # A TypeDecorator (aware UTC datetimes, encryption) would convert on the way; its impl stores the value as is.
    if isinstance(kind, TypeDecorator):
        kind = kind.impl_instance
    # SQL NULL must come back as SQL NULL, not as the JSON value null.
    return JSON(none_as_null=True) if isinstance(kind, JSON) else kind


def _encode(value: Any) -> Any:
    if isinstance(value, datetime):
        return {"$dt": value.isoformat()}
    if isinstance(value, date):
        return {"$d": value.isoformat()}
    if isinstance(value, time):
        return {"$t": value.isoformat()}
    if isinstance(value, bytes | memoryview):
        return {"$b": base64.b64encode(bytes(value)).decode()}
    if isinstance(value, Decimal):
        return {"$n": str(value)}
    raise TypeError(f"cannot back up a {type(value).__name__}")


def _decoder(kind: TypeEngine[Any]) -> Any:
    if isinstance(kind, DateTime):
        return lambda v: datetime.fromisoformat(v["$dt"])
    if isinstance(kind, Date):
        return lambda v: date.fromisoformat(v["$d"])
    if isinstance(kind, Time):
        return lambda v: time.fromisoformat(v["$t"])
    if isinstance(kind, LargeBinary):
        return lambda v: base64.b64decode(v["$b"])
    if isinstance(kind, Numeric):
        return lambda v: Decimal(v["$n"]) if isinstance(v, dict) else v
    return None


def dump(conn: Connection, table: Table, path: Path) -> int:
    """Write every row of `table` (primary-key order) to `path`; the row count."""
    order = list(table.primary_key.columns) or list(table.columns)
    count = 0
    with gzip.open(path, "wt", encoding="utf-8") as out:
        for row in conn.execute(select(table).order_by(*order)).yield_per(BATCH):
            out.write(json.dumps(list(row), ensure_ascii=False, default=_encode) + "\n")
            count += 1
    return count


def read(table: Table, path: Path) -> Iterator[list[dict[str, Any]]]:
    """Rows of a dump as parameter dicts, in batches."""
    names = [c.name for c in table.columns]
    decoders = [_decoder(c.type) for c in table.columns]
    batch: list[dict[str, Any]] = []
    with gzip.open(path, "rt", encoding="utf-8") as src:
        for line in src:
            values = json.loads(line)
            batch.append({n: (d(v) if d is not None and v is not None else v)
                          for n, d, v in zip(names, decoders, values, strict=True)})
            if len(batch) >= BATCH:
                yield batch
                batch = []
    if batch:
        yield batch
