"""The demo city's sharing catalogue and the people of the story: a 住建局 requester and a 城管局 approver."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml
from sqlalchemy import select
from sqlalchemy.orm import Session

from cityloop.accounts import service as accounts
from cityloop.accounts.models import Unit, User
from cityloop.config import get_settings
from cityloop.governance.sharing.resources import repository as repo
from cityloop.governance.sharing.resources.schemas import ResourceIn
from cityloop.governance.sharing.resources.service import save_resource
from cityloop.kit.auth import SYSTEM, Role

DATA = Path(__file__).parent / "resources" / "data" / "demo_resources.yaml"
# (username, role, unit type of the city-level unit): who the 一网共享 story needs.
PEOPLE = [("city_zhujian", Role.HANDLER, "zhujian"), ("city_chengguan_lead", Role.SUPERVISOR, "chengguan")]


def _city_unit(session: Session, unit_type: str) -> Unit | None:
    stmt = select(Unit).where(Unit.unit_type == unit_type, Unit.division_code == get_settings().city_code)
    return session.scalars(stmt.order_by(Unit.id)).first()


def _ensure_user(session: Session, username: str, role: Role, unit: Unit) -> bool:
    """Add the user unless the name exists; True when added."""
    if session.scalar(select(User.id).where(User.username == username)) is not None:
        return False
    # Same password as every demo user, set directly (the demo password is not held to the strength rule).
    session.add(User(username=username, display_name=username, roles=[str(role)], unit_id=unit.id,
                     scope_code=unit.division_code,
                     password_hash=accounts.hash_password(get_settings().demo_password)))
    session.flush()
    return True


def seed(session: Session, if_empty: bool = False) -> dict[str, Any]:
    """Add the demo resources (skipping codes that exist) and the story's users; needs the demo city's units."""
    if if_empty and repo.all_resources(session):
        return {"skipped": "resources exist"}
    found = {t: _city_unit(session, t) for t in ("chengguan", "zhujian", "center")}
    units = {t: u for t, u in found.items() if u is not None}
    if len(units) < len(found):
        return {"skipped": "the demo city's units are missing (run `cityloop demo seed` first)"}
    added_users = [name for name, role, t in PEOPLE if _ensure_user(session, name, role, units[t])]
    added = []
    for spec in yaml.safe_load(DATA.read_text(encoding="utf-8")):
        owner = units[spec.pop("owner")]
        if repo.by_code(session, spec["code"]) is None:
            save_resource(session, SYSTEM, ResourceIn.model_validate({**spec, "owner_unit_id": owner.id}))
            added.append(spec["code"])
    session.commit()
    return {"resources": added, "users": added_users}
