"""Seed the browser test's database: migrate, the test city, then the sharing world (run as a script)."""

from __future__ import annotations

import json
import tempfile
from pathlib import Path

from sharing_world import build_share

from builders import build_world
from cityloop.kit.db import get_sessionmaker
from cityloop.migrate import upgrade

if __name__ == "__main__":
    upgrade()
    with get_sessionmaker()() as session, tempfile.TemporaryDirectory() as tmp:
        share = build_share(session, build_world(session, Path(tmp)))
        print(json.dumps({"cases": len(share.cases)}))  # noqa: T201  (the test reads this line)
