"""Alembic environment: migrates the database configured for CityLoop."""

from __future__ import annotations

from alembic import context
from sqlalchemy import create_engine

from cityloop.config import get_settings
from cityloop.kit.db import _sqlite_pragmas
from cityloop.models import Base

config = context.config
target_metadata = Base.metadata


def include_name(name: str | None, type_: str, parent_names: object) -> bool:
    """Leave out what is managed outside the ORM: PostGIS tables, and expression indexes made by migrations."""
    from cityloop.areas.grids.models import DB_ONLY_TABLES
    from cityloop.cases.fulltext.index import INDEX_NAME

    return not ((type_ == "table" and name in DB_ONLY_TABLES) or (type_ == "index" and name == INDEX_NAME))


def run_migrations_offline() -> None:
    """Emit SQL without a connection."""
    context.configure(url=config.get_main_option("sqlalchemy.url"), target_metadata=target_metadata,
                      literal_binds=True, render_as_batch=True)
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    """Migrate over a live connection."""
    url = config.get_main_option("sqlalchemy.url") or get_settings().effective_database_url
    if url.startswith("sqlite"):
        from pathlib import Path

        Path(url.split("///", 1)[-1]).parent.mkdir(parents=True, exist_ok=True)
    engine = create_engine(url)
    if url.startswith("sqlite"):
        from sqlalchemy import event

        event.listen(engine, "connect", _sqlite_pragmas)
    with engine.connect() as connection:
        context.configure(connection=connection, target_metadata=target_metadata,
                          render_as_batch=url.startswith("sqlite"), compare_type=True, include_name=include_name)
        with context.begin_transaction():
            context.run_migrations()
    engine.dispose()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
