"""Per-database cache of a value built from a table, rebuilt when the table's fingerprint changes."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Hashable
from dataclasses import dataclass
from typing import Generic, TypeVar

from sqlalchemy.orm import Session

from cityloop.kit.db import cache_clearers

T = TypeVar("T")


@dataclass
class _Entry(Generic[T]):
    fingerprint: Hashable
    value: T
    checked_at: float


class TableCache(Generic[T]):
    """Changes in this process call `invalidate`; other processes' changes show in the fingerprint.

    The fingerprint query runs at most every `recheck_seconds` per database, so a hot path (intake) does not scan
    the table on every call.
    """

    def __init__(self, fingerprint: Callable[[Session], Hashable], build: Callable[[Session], T],
                 recheck_seconds: float = 1.0) -> None:
        """Cache `build(session)`, rebuilt when `fingerprint(session)` changes."""
        self.fingerprint, self.build, self.recheck_seconds = fingerprint, build, recheck_seconds
        self._entries: dict[str, _Entry[T]] = {}
        self._lock = threading.Lock()
        cache_clearers.append(self.invalidate)

    def get(self, session: Session) -> T:
        """The value for this session's database, rebuilt if the table changed."""
        key = str(session.get_bind().engine.url)
        entry, now = self._entries.get(key), time.monotonic()
        if entry is not None and now - entry.checked_at < self.recheck_seconds:
            return entry.value
        fingerprint = self.fingerprint(session)
        if entry is not None and entry.fingerprint == fingerprint:
            entry.checked_at = now
            return entry.value
        value = self.build(session)
        with self._lock:
            self._entries[key] = _Entry(fingerprint, value, now)
        return value

    def invalidate(self) -> None:
        """Forget every cached value (after a change made in this process)."""
        with self._lock:
            self._entries.clear()
