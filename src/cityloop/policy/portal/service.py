"""The caller's own policies: eligible ones with the reasons, near-misses with what they would need."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from cityloop.kit.auth import Subject
from cityloop.policy.accounts import service as policy_accounts
from cityloop.policy.explain.benefit import benefit, how_to_get
from cityloop.policy.explain.render import explain, render
from cityloop.policy.matching.models import PolicyMatch
from cityloop.policy.notices import service as notices
from cityloop.policy.policies.models import Policy
from cityloop.policy.portal import repository as repo


@dataclass(frozen=True)
class Reason:
    """One criterion: its label, the rule in words and the subject's actual value(s)."""

    label: str
    rule: str
    text: str


@dataclass(frozen=True)
class Standing:
    """One policy for the caller."""

    policy_id: str
    title: str
    status: str  # eligible | near_miss
    no_application: bool
    benefit: str
    how: str
    passed: list[Reason]
    missing: list[Reason]
    matched_at: datetime


@dataclass(frozen=True)
class Mine:
    """The caller's subject and its policies."""

    linked: bool
    subject_kind: str = ""
    subject_id: str = ""
    name: str = ""
    eligible: list[Standing] = field(default_factory=list)
    near_miss: list[Standing] = field(default_factory=list)
    unread: int = 0


def mine(session: Session, subject: Subject, lang: str) -> Mine:
    """The policies of the subject the caller speaks for (Forbidden for staff, empty when not linked yet)."""
    own = policy_accounts.own_subject(session, subject)
    if own is None:
        return Mine(linked=False)
    rows = [_standing(m, p, lang) for m, p in repo.standings(session, own.kind, own.id)]
    name = repo.enterprise_name(session, own.id) if own.kind == "enterprise" else ""
    return Mine(True, own.kind, own.id, name, [r for r in rows if r.status == "eligible"],
                [r for r in rows if r.status == "near_miss"], notices.unread(session, subject))


def _standing(match: PolicyMatch, policy: Policy, lang: str) -> Standing:
    failed = set(match.failed)
    passed: list[Reason] = []
    missing: list[Reason] = []
    for c in policy.criteria:
        reason = _reason(c, match.values, lang)
        (missing if c["label"] in failed else passed).append(reason)
    return Standing(policy.id, policy.title, match.status, policy.no_application, benefit(policy, lang),
                    how_to_get(policy, lang).strip(), passed, missing, match.matched_at)


def _reason(criterion: dict[str, Any], values: dict[str, Any], lang: str) -> Reason:
    return Reason(criterion["label"], render(criterion["rule"], lang), explain(criterion["rule"], values, lang))
