"""Exit 0 if PostgreSQL answers at BASE, creating database NAME when missing; exit 1 otherwise."""

from __future__ import annotations

import sys

from sqlalchemy import create_engine, text
from sqlalchemy.exc import OperationalError


def main(base: str, name: str) -> int:
    """Check the server and make sure the test database exists."""
    try:
        engine = create_engine(f"{base}/postgres", isolation_level="AUTOCOMMIT", connect_args={"connect_timeout": 3})
        with engine.connect() as conn:
            exists = conn.scalar(text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": name})
            if not exists:
                conn.execute(text(f'CREATE DATABASE "{name}"'))
        engine.dispose()
    except OperationalError as exc:
        sys.stderr.write(f"postgresql unavailable: {exc.__class__.__name__}\n")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1], sys.argv[2]))
