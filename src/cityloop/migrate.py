"""Run Alembic migrations programmatically (CLI, tests, ./run)."""

from __future__ import annotations

from alembic import command
from alembic.config import Config

from cityloop.config import ROOT, get_settings


def alembic_config() -> Config:
    """Alembic configuration pointing at the project's migrations and the configured database."""
    cfg = Config()
    cfg.set_main_option("script_location", str(ROOT / "migrations"))
    cfg.set_main_option("sqlalchemy.url", get_settings().effective_database_url.replace("%", "%%"))
    return cfg


def upgrade(revision: str = "heads") -> None:
    """Migrate the configured database to `revision`."""
    command.upgrade(alembic_config(), revision)
