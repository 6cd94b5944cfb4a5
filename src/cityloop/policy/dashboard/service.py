"""Policy dashboard: leaders, supervisors and administrators see their area; nothing outside it."""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy.orm import Session

from cityloop.cases.kpi import child_length
from cityloop.kit.auth import Role, Subject
from cityloop.kit.errors import Forbidden
from cityloop.policy.dashboard import fulfilment
from cityloop.policy.dashboard import repository as repo
from cityloop.policy.explain.labels import SECTIONS


@dataclass(frozen=True)
class Row:
    """One line of a breakdown."""

    key: str
    name: str
    eligible: int = 0
    near_miss: int = 0
    notified: int = 0
    tasks: int = 0
    paid: int = 0
    amount: float = 0.0
    median_days: float | None = None


@dataclass(frozen=True)
class Dashboard:
    """Totals and the breakdowns by policy, area and industry, for one area."""

    division_code: str
    totals: Row
    policies: list[Row] = field(default_factory=list)
    areas: list[Row] = field(default_factory=list)
    industries: list[Row] = field(default_factory=list)


def dashboard(session: Session, subject: Subject, division_code: str = "", lang: str = "zh") -> Dashboard:
    """Figures of the caller's area (or a division inside it)."""
    prefix = area_of(subject, division_code)
    paid = fulfilment.figures(session, prefix)
    by_policy = _both(session, prefix, repo.policy_key(), repo.notice_policy_key())
    policies = [_with_paid(by_policy.get(p.id, Row(p.id, p.title)), p.title, paid.get(p.id))
                for p in repo.policies(session)]
    length = child_length(prefix)
    by_area = _both(session, prefix, repo.area_key(length), repo.area_key(length))
    names = repo.division_names(session, sorted(by_area))
    by_industry = _rows(repo.standings(session, prefix, repo.industry_key()),
                        repo.notified(session, prefix, repo.industry_key()))
    i = 1 if lang == "en" else 0
    return Dashboard(prefix, _total(policies), policies,
                     [_named(r, names.get(r.key, r.key)) for r in sorted(by_area.values(), key=lambda r: r.key)],
                     [_named(r, f"{r.key} {SECTIONS[r.key][i]}" if r.key in SECTIONS else r.key)
                      for r in sorted(by_industry.values(), key=lambda r: -r.eligible)])


def area_of(subject: Subject, division_code: str) -> str:
    """The division prefix the caller may see (their scope, or a division inside it)."""
    if not subject.has(Role.LEADER, Role.SUPERVISOR):
        raise Forbidden("只有领导、督办员和管理员可以查看政策看板", "Only leaders, supervisors and administrators "
                        "see the policy dashboard")
    if Role.SYSTEM in subject.roles:
        return division_code
    if not subject.scope:
        raise Forbidden("您没有辖区", "You have no area")
    if division_code and not division_code.startswith(subject.scope):
        raise Forbidden("该区域不在您的辖区内", "That area is outside yours")
    return division_code or subject.scope


def _both(session: Session, prefix: str, key: repo.Key, notice_key: repo.Key) -> dict[str, Row]:
    """Rows summed over firms and persons (a policy serves one kind; an area holds both)."""
    out: dict[str, Row] = {}
    for kind in repo.SUBJECTS:
        for k, row in _rows(repo.standings(session, prefix, key, kind),
                            repo.notified(session, prefix, notice_key, kind)).items():
            was = out.get(k, Row(k, k))
            out[k] = Row(k, k, was.eligible + row.eligible, was.near_miss + row.near_miss, was.notified + row.notified)
    return out


def _rows(standings: dict[tuple[str, str], int], notified: dict[str, int]) -> dict[str, Row]:
    keys = {k for k, _s in standings} | set(notified)
    return {k: Row(k, k, standings.get((k, "eligible"), 0), standings.get((k, "near_miss"), 0),
                   notified.get(k, 0)) for k in keys}


def _with_paid(row: Row, name: str, paid: fulfilment.Paid | None) -> Row:
    p = paid or fulfilment.Paid()
    return Row(row.key, name, row.eligible, row.near_miss, row.notified, p.tasks, p.paid, p.amount, p.median_days)


def _named(row: Row, name: str) -> Row:
    return Row(row.key, name, row.eligible, row.near_miss, row.notified)


def _total(rows: list[Row]) -> Row:
    return Row("", "", sum(r.eligible for r in rows), sum(r.near_miss for r in rows), sum(r.notified for r in rows),
               sum(r.tasks for r in rows), sum(r.paid for r in rows), sum(r.amount for r in rows))
