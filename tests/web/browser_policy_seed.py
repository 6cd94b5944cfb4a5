"""Seed the policy browser test's database: divisions, the demo registry (small), policies, a match, `firm`."""

from __future__ import annotations

import json

from cityloop.accounts import service as accounts
from cityloop.app import register_hooks
from cityloop.areas.divisions.models import Division
from cityloop.kit.auth import Role
from cityloop.kit.db import get_sessionmaker
from cityloop.migrate import upgrade
from cityloop.policy.demo import seed

PASSWORD = "secret-pass-1"


def main() -> None:
    """Migrate, seed, print who the firm is."""
    upgrade()
    register_hooks()
    session = get_sessionmaker()()
    for code in ("330106001", "330106002", "330105001"):
        session.add(Division(code=code, name=code, level=4, parent_code=code[:6]))
    session.commit()
    done = seed.seed(session, PASSWORD, n=600, seed=11, persons=800)
    accounts.create_user(session, "admin", PASSWORD, [Role.ADMIN], scope="3301")
    accounts.create_user(session, "leader", PASSWORD, [Role.LEADER], scope="3301")
    session.commit()
    session.close()
    print(json.dumps({"password": PASSWORD, "uscc": done.firm_uscc, "name": done.firm_name}, ensure_ascii=False))  # noqa: T201


if __name__ == "__main__":
    main()
