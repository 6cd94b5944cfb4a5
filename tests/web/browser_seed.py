"""Seed the browser tests' database (run in a subprocess with the test's CITYLOOP_* environment).

Uses the demo city when available (real numbers for the cockpit), else the test world; prints a JSON description
of who is who, so the tests do not depend on which one was used.
"""

from __future__ import annotations

import json
import sys
from datetime import timedelta
from pathlib import Path

from sqlalchemy import select

from cityloop.accounts import service as accounts
from cityloop.accounts.models import Unit, User
from cityloop.cases.intake import intake
from cityloop.cases.schemas import CaseIn
from cityloop.config import get_settings
from cityloop.kit.clock import utcnow
from cityloop.kit.db import get_sessionmaker
from cityloop.migrate import upgrade

OVERDUE_TITLE = "【测试】路口积水一个月无人处理"


def _demo(session: object, cases: int) -> dict[str, str]:
    from cityloop.cases.demo import seed as demo

    demo.seed(session, cases=cases, seed=7)  # type: ignore[arg-type]
    unit = session.scalar(select(Unit).where(Unit.unit_type == demo.HANDLER_UNIT[0],  # type: ignore[attr-defined]
                                             Unit.division_code == demo.HANDLER_UNIT[1]))
    return {"password": get_settings().demo_password, "street": demo.GRID_STREET, "unit": unit.name,
            "source": "demo"}


def _world(session: object, tmp: Path) -> dict[str, str]:
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    from builders import PASSWORD, STREET, build_world

    w = build_world(session, tmp)  # type: ignore[arg-type]
    for i, (lng, lat) in enumerate([(120.13, 30.27), (120.15, 30.26), (120.16, 30.28)]):
        data = CaseIn.model_validate({
            "channel": "hotline", "appeal_type": "complain", "title": f"占道经营{i}", "content": "门口摊贩占道经营",
            "location": {"division_code": STREET, "lng": lng, "lat": lat}, "category_code": "010101"})
        intake(session, w.subjects["agent"], data)  # type: ignore[arg-type]
    return {"password": PASSWORD, "street": STREET, "unit": w.units["chengguan"].name, "source": "world"}


def _services(session: object, info: dict[str, str]) -> None:
    """The 一网通办 catalogue, bundles and places, and a window user when the world has none."""
    from cityloop.kit.auth import Role
    from cityloop.services.demo import seed as services

    services.seed(session)  # type: ignore[arg-type]
    if session.scalar(select(User).where(User.username == "window")) is None:  # type: ignore[attr-defined]
        accounts.create_user(session, "window", info["password"], [Role.WINDOW], scope="3301")  # type: ignore[arg-type]
        session.commit()  # type: ignore[attr-defined]


def main() -> None:
    """Migrate, seed, add one overdue case the supervisor must see, print the description."""
    upgrade()
    session = get_sessionmaker()()
    tmp = get_settings().var_dir
    tmp.mkdir(parents=True, exist_ok=True)
    try:
        info = _demo(session, int(sys.argv[1]) if len(sys.argv) > 1 else 300)
    except ImportError:
        info = _world(session, tmp)
    admin = session.scalar(select(User).where(User.username == "admin"))
    assert admin is not None
    _services(session, info)
    late = CaseIn.model_validate({
        "channel": "hotline", "appeal_type": "complain", "title": OVERDUE_TITLE,
        "content": "路口长期积水，车辆无法通行。",
        "location": {"division_code": info["street"], "lng": 120.12, "lat": 30.29},
        "received_at": (utcnow() - timedelta(days=40)).isoformat()})
    intake(session, accounts.subject_for_user(session, admin), late)
    session.close()
    print(json.dumps({**info, "overdue_title": OVERDUE_TITLE}, ensure_ascii=False))  # noqa: T201


if __name__ == "__main__":
    main()
