"""Database base class, engine and session factory shared by every module."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from functools import lru_cache
from typing import Any

from sqlalchemy import JSON, DateTime, MetaData, create_engine, event, make_url
from sqlalchemy.engine import Engine
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column, sessionmaker
from sqlalchemy.types import TypeDecorator

from cityloop.config import get_settings
from cityloop.kit.clock import utcnow

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class UTCDateTime(TypeDecorator[datetime]):
    """Timezone-aware UTC datetime on every backend (SQLite stores naive UTC)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        """Store as UTC; reject naive values so no local time slips in."""
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime")
        from datetime import UTC

        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        """Return aware UTC datetimes."""
        from datetime import UTC

        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class Base(DeclarativeBase):
    """Declarative base with stable constraint names for migrations."""

    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map = {datetime: UTCDateTime(), dict[str, Any]: JSON(), list[Any]: JSON()}


class TimestampMixin:
    """Created/updated timestamps set by the application clock."""

    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


def _sqlite_pragmas(dbapi_conn: Any, _record: Any) -> None:
    # WAL lets readers work while a writer commits; busy_timeout queues writers instead of failing.
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA synchronous=NORMAL")
    cur.execute("PRAGMA busy_timeout=30000")
    cur.execute("PRAGMA foreign_keys=ON")
    cur.close()


def make_engine(url: str) -> Engine:
    """Create an engine with the settings each backend needs."""
    if url.startswith("sqlite"):
        from pathlib import Path

        path = url.split("///", 1)[-1]
        if path and path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 30})
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    # No pre-ping (one round trip per checkout); recycle instead, so a restarted server costs one failed request.
    # JIT off: it compiles any query the planner thinks costly, and spent 3–70 ms on page and search queries that
    # run in a few milliseconds at 10 M cases (the usual advice for OLTP work on PostgreSQL).
    # Custom plans always: psycopg prepares a statement after five runs, and the generic plan cannot see that the
    # area rule `division_code LIKE :scope || '%'` is a prefix, so a district's queue went from 15 to 55 ms.
    given = make_url(url).query.get("options", "")  # e.g. a search_path: kept, ours added after it
    options = " ".join([*([given] if isinstance(given, str) else given), "-c jit=off",
                        "-c plan_cache_mode=force_custom_plan"]).strip()
    return create_engine(url, pool_size=20, max_overflow=20, pool_recycle=1800, connect_args={"options": options})


@lru_cache
def get_engine() -> Engine:
    """Process-wide engine built from settings."""
    return make_engine(get_settings().effective_database_url)


@lru_cache
def get_sessionmaker() -> sessionmaker[Session]:
    """Process-wide session factory."""
    return sessionmaker(bind=get_engine(), expire_on_commit=False)


@lru_cache
def get_read_engine() -> Engine:
    """The replica's engine when `CITYLOOP_READ_DATABASE_URL` is set, else the primary's."""
    url = get_settings().read_database_url
    return make_engine(url) if url else get_engine()


@lru_cache
def get_read_sessionmaker() -> sessionmaker[Session]:
    """Session factory for reads that may lag the primary by the replica's delay (KPIs, cockpit, exports)."""
    return sessionmaker(bind=get_read_engine(), expire_on_commit=False)


# Process caches keyed by database ids register here so switching databases cannot serve stale entries.
cache_clearers: list[Any] = []


def reset_engine() -> None:
    """Forget the cached engine and every registered cache (after settings change, in tests and CLI)."""
    for clear in cache_clearers:
        clear()
    if get_engine.cache_info().currsize:
        get_engine().dispose()
    if get_read_engine.cache_info().currsize:
        get_read_engine().dispose()  # the primary's engine when no replica is set: disposing twice is harmless
    get_engine.cache_clear()
    get_sessionmaker.cache_clear()
    get_read_engine.cache_clear()
    get_read_sessionmaker.cache_clear()


@contextmanager
def session_scope() -> Iterator[Session]:
    """A session that commits on success and rolls back on error."""
    session = get_sessionmaker()()
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()


# Largest value of an INTEGER primary key on every backend (PostgreSQL's int4); larger ids can never exist.
MAX_ID = 2**31 - 1


def append_only(model: type[Base]) -> None:
    """Make the ORM refuse to update or delete rows of a history table (the migration adds DB triggers too)."""

    def refuse(*_args: Any) -> None:
        raise RuntimeError(f"{model.__tablename__} is append-only")

    event.listen(model, "before_update", refuse)
    event.listen(model, "before_delete", refuse)
