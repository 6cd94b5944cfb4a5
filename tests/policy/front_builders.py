"""Builders for the policy front tests: enterprises, policies, matches and linked accounts, through the services."""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy.orm import Session

from cityloop.accounts import service as accounts
from cityloop.accounts.models import User
from cityloop.kit.auth import SYSTEM, Role, Subject
from cityloop.policy.accounts import service as links
from cityloop.policy.matching import service as matching
from cityloop.policy.policies import service as policies
from cityloop.policy.registry import service as registry

PASSWORD = "secret-pass-1"
HEADER = "uscc,name,industry,scale,registered_year,division_code,employees,revenue,tax_credit,high_tech,rnd_ratio\n"
# Valid GB 32100 codes: A (a tech firm in 330106), B (a small shop in 330106), C (a factory in 330105).
A, B, C = "91330106MA2ABCDE1G", "92330106MA2XYW001W", "91330105MA2CDEFG1J"
ROWS = {A: f"{A},湖畔科技,I65,small,2018,330106001,35,1200.5,A,true,0.06",
        B: f"{B},小馆,H62,micro,2020,330106001,7,80,B,false,0",
        C: f"{C},拱墅机械,C34,medium,2010,330105001,120,9000,B,false,0.01"}
POLICIES: list[dict[str, Any]] = [
    {"id": "P-HT", "title": "高新技术企业奖励", "object": "enterprise", "no_application": True, "criteria": [
        {"label": "高新技术企业", "rule": {"==": [{"var": "high_tech"}, True]}},
        {"label": "研发投入占比≥3%", "rule": {">=": [{"var": "rnd_ratio"}, 0.03]}}]},
    {"id": "P-JOBS", "title": "稳岗补贴", "object": "enterprise", "no_application": False, "criteria": [
        {"label": "员工不少于10人", "rule": {">=": [{"var": "employees"}, 10]}},
        {"label": "纳税信用A/B", "rule": {"in": [{"var": "tax_credit"}, ["A", "B"]]}}]},
    {"id": "P-MFG", "title": "制造业技改补助", "object": "enterprise", "no_application": False, "criteria": [
        {"label": "制造业", "rule": {"in": ["C", {"var": "industry"}]}},
        {"label": "营收≥5000万元", "rule": {">=": [{"var": "revenue"}, 5000]}}]},
]


def enterprises(session: Session, *codes: str) -> None:
    """Import the given enterprises (all three by default) through the registry import."""
    body = HEADER + "\n".join(ROWS[c] for c in (codes or ROWS)) + "\n"
    registry.import_enterprises(session, SYSTEM, body.encode(), "e.csv")


def import_policies(session: Session, items: list[dict[str, Any]] | None = None) -> None:
    """Import policies through the policy import."""
    policies.import_json(session, SYSTEM, json.dumps(items or POLICIES).encode())


def firm(session: Session, username: str, uscc: str, phone: str | None = None) -> tuple[User, Subject]:
    """A 法人账号 linked to its enterprise."""
    user = accounts.create_user(session, username, PASSWORD, [Role.FIRM])
    session.commit()
    links.link_user(session, SYSTEM, user.id, "enterprise", uscc, phone)
    return user, accounts.subject_for_user(session, user)


def city(session: Session) -> None:
    """Enterprises, policies and a match (with the notices listener, as the app and CLI register it)."""
    from cityloop.policy.notices import service as notices

    notices.register()
    enterprises(session)
    import_policies(session)
    matching.match(session, SYSTEM)
