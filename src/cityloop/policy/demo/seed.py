"""Seed the demo registry, the demo policies, a match, and the demo `firm` account (法人账号)."""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import case, func, insert, select
from sqlalchemy.orm import Session

from cityloop.accounts import service as accounts
from cityloop.areas.divisions.models import Division
from cityloop.kit.auth import SYSTEM, Role
from cityloop.kit.clock import to_local, utcnow
from cityloop.kit.errors import Conflict
from cityloop.policy.accounts import service as links
from cityloop.policy.demo import generator
from cityloop.policy.matching import service as matching
from cityloop.policy.matching.models import PolicyMatch
from cityloop.policy.notices.models import PolicyNotice
from cityloop.policy.policies import service as policies
from cityloop.policy.registry.models import Enterprise
from cityloop.policy.registry.persons import demo as persons_demo

POLICIES = Path(__file__).resolve().parents[1] / "data" / "demo_policies.json"
FIRM = "firm"
FIRM_PHONE = "13800000001"  # a demo contact phone: its SMS go to the log gateway


@dataclass(frozen=True)
class PolicyDemo:
    """What the seed created."""

    enterprises: int
    persons: int
    policies: int
    eligible: int
    near_miss: int
    notices: int
    firm_uscc: str
    firm_name: str
    seconds: float


def seed(session: Session, password: str, n: int = 30_000, seed: int = 42, persons: int = 50_000) -> PolicyDemo:
    """Registries, 惠企 and 惠民 policies and a match; then `firm`, linked to a firm eligible for two or more."""
    if session.scalar(select(func.count()).select_from(Enterprise)):
        raise Conflict("企业库已有数据，演示企业只写入空库", "The enterprise registry is not empty")
    started = time.perf_counter()
    streets = list(session.scalars(select(Division.code).where(func.length(Division.code) == 9)
                                   .order_by(Division.code))) or ["330106001"]
    rows = generator.enterprises(n, streets, to_local(utcnow()).year, seed)
    now = utcnow()
    for start in range(0, len(rows), 5000):
        session.execute(insert(Enterprise), [{**r, "created_at": now, "updated_at": now}
                                             for r in rows[start:start + 5000]])
    session.commit()
    residents = persons_demo.seed(session, persons, streets, seed) if persons > 0 else {"persons": 0, "policies": 0}
    session.commit()
    imported = policies.import_json(session, SYSTEM, POLICIES.read_bytes())
    found = matching.match(session, SYSTEM)
    uscc = _showcase(session)
    name = session.scalar(select(Enterprise.name).where(Enterprise.uscc == uscc)) or ""
    user = accounts.create_user(session, FIRM, password, [Role.FIRM], display_name=name[:80])
    session.commit()
    links.link_user(session, SYSTEM, user.id, "enterprise", uscc, FIRM_PHONE)
    notices = session.scalar(select(func.count()).select_from(PolicyNotice)) or 0
    eligible = sum(o.eligible for o in found)
    return PolicyDemo(len(rows), residents["persons"], len(imported.created) + len(imported.updated)
                      + residents["policies"], eligible, len(found) - eligible,
                      int(notices), uscc, name, round(time.perf_counter() - started, 1))


def _showcase(session: Session) -> str:
    """The first enterprise (by code) eligible for two policies or more and one condition short of another."""
    eligible = func.sum(case((PolicyMatch.status == "eligible", 1), else_=0))
    stmt = (select(PolicyMatch.subject_id).where(PolicyMatch.subject_kind == "enterprise")
            .group_by(PolicyMatch.subject_id)
            .having(eligible >= 2, func.count() > eligible).order_by(PolicyMatch.subject_id).limit(1))
    found = session.scalar(stmt)
    if found is None:
        raise Conflict("演示数据中没有可展示的企业", "No demo enterprise is eligible for two policies and near another")
    return str(found)
