"""A registry (or some of its subjects) as numpy columns: what the vectorised criteria are evaluated over."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

import numpy as np
from numpy.typing import NDArray
from sqlalchemy import select
from sqlalchemy.orm import Session

from cityloop.kit.clock import to_local, utcnow
from cityloop.policy.registry.attributes import ENTERPRISE, PERSON, person_row_id, person_subject_id
from cityloop.policy.registry.models import Enterprise, Person

PREFIX = "extra."
CHUNK = 5000


def today() -> date:
    """The local date matching is done for (ages, validity windows)."""
    return to_local(utcnow()).date()


@dataclass(frozen=True)
class Registry:
    """Subjects of one kind as columns; `ids` are their subject ids (USCC, or `P<row id>` for persons)."""

    kind: str
    ids: NDArray[Any]
    columns: dict[str, NDArray[Any]]

    @property
    def size(self) -> int:
        """Number of subjects."""
        return len(self.ids)

    def record(self, i: int) -> dict[str, Any]:
        """Subject i's attributes as plain Python values (NaN read as None)."""
        return {name: plain(col[i]) for name, col in self.columns.items()}


def plain(value: Any) -> Any:
    """A numpy scalar as a JSON-safe Python value."""
    value = value.item() if isinstance(value, np.generic) else value
    return None if isinstance(value, float) and value != value else value


def load(session: Session, kind: str, day: date, subject_ids: Sequence[str] | None = None,
         extras: Iterable[str] = ()) -> Registry:
    """The registry of `kind` (or only `subject_ids`), with the `extra.<key>` columns named in `extras`."""
    keys = sorted({e.removeprefix(PREFIX) for e in extras})
    if kind == "person":
        return _persons(session, day, subject_ids, keys)
    names = list(ENTERPRISE)
    stmt = select(*[getattr(Enterprise, n) for n in names], *([Enterprise.extra] if keys else []))
    rows = _rows(session, stmt.order_by(Enterprise.id), Enterprise.uscc, subject_ids)
    raw = list(zip(*rows, strict=True)) if rows else [() for _ in range(len(names) + bool(keys))]
    columns = {n: typed(ENTERPRISE[n], values) for n, values in zip(names, raw, strict=False)}
    columns |= _extras(raw[-1] if keys else (), keys)
    return Registry(kind, columns["uscc"], columns)


def _persons(session: Session, day: date, subject_ids: Sequence[str] | None, keys: list[str]) -> Registry:
    names = [n for n in PERSON if n != "age"]
    stmt = select(Person.id, Person.birth_date, *[getattr(Person, n) for n in names],
                  *([Person.extra] if keys else []))
    row_ids = None if subject_ids is None else [r for r in map(person_row_id, subject_ids) if r is not None]
    rows = _rows(session, stmt.order_by(Person.id), Person.id, row_ids)
    raw = list(zip(*rows, strict=True)) if rows else [() for _ in range(len(names) + 2 + bool(keys))]
    columns = {n: typed(PERSON[n], values) for n, values in zip(names, raw[2:], strict=False)}
    columns["age"] = ages(np.asarray(raw[1], dtype="datetime64[D]"), day)
    columns |= _extras(raw[-1] if keys else (), keys)
    ids = np.asarray([person_subject_id(i) for i in raw[0]], dtype=object)
    return Registry("person", ids, columns)


def _rows(session: Session, stmt: Any, key: Any, keys: Sequence[Any] | None) -> list[Any]:
    if keys is None:
        return list(session.execute(stmt).all())
    found: list[Any] = []
    for start in range(0, len(keys), CHUNK):  # bounded IN lists: databases cap the parameters of one statement
        found += session.execute(stmt.where(key.in_(list(keys[start:start + CHUNK])))).all()
    return found


def ages(births: NDArray[Any], day: date) -> NDArray[np.float64]:
    """Full years of age on `day` for every birth date (vectorised)."""
    years = births.astype("datetime64[Y]").astype(int) + 1970
    months = births.astype("datetime64[M]").astype(int) % 12 + 1
    days = (births - births.astype("datetime64[M]")).astype(int) + 1
    before = (months * 100 + days) > (day.month * 100 + day.day)
    return (day.year - years - before).astype(float)


def typed(kind: str, values: Any) -> NDArray[Any]:
    """A column of `kind` (number → float, bool → bool, text → object)."""
    if kind == "number":
        return np.asarray(values, dtype=float)
    if kind == "bool":
        return np.asarray(values, dtype=bool)
    return np.asarray(values, dtype=object)


def _extras(blobs: Sequence[dict[str, Any] | None], keys: list[str]) -> dict[str, NDArray[Any]]:
    out = {}
    for key in keys:
        values = [(b or {}).get(key) for b in blobs]
        present = [v for v in values if v is not None]
        if present and all(isinstance(v, bool) for v in present):
            out[PREFIX + key] = np.asarray([bool(v) for v in values], dtype=bool)
        elif present and all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in present):
            out[PREFIX + key] = np.asarray([float("nan") if v is None else v for v in values], dtype=float)
        else:
            out[PREFIX + key] = np.asarray(["" if v is None else str(v) for v in values], dtype=object)
    return out
