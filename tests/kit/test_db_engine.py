"""The engine's PostgreSQL session settings: no JIT, plans for the values, and the URL's own options kept."""

from __future__ import annotations

import pytest
from sqlalchemy import text
from sqlalchemy.engine import Engine

from cityloop.kit.db import make_engine


def test_postgresql_sessions_skip_jit_and_plan_for_their_values_and_keep_the_urls_options(engine: Engine) -> None:
    if engine.dialect.name != "postgresql":
        pytest.skip("PostgreSQL session settings")
    url = engine.url.render_as_string(hide_password=False)
    assert "search_path" in url  # the test database lives in its own schema, named by the URL's options
    made = make_engine(url)
    try:
        with made.connect() as conn:
            settings = [conn.execute(text(f"SHOW {name}")).scalar() for name in ("jit", "plan_cache_mode")]
            tables = conn.execute(text("SELECT count(*) FROM cases")).scalar()  # found through the search_path
    finally:
        made.dispose()
    assert settings == ["off", "force_custom_plan"]
    assert tables == 0
