"""一网通办 KPIs, computed in SQL by area, unit, item or nothing, over applications received in a period.

Definitions are in docs/services.md; every figure is a share of a count shown beside it, so a rate with a zero
denominator is None, never 0.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

from sqlalchemy import ColumnElement, and_, case, exists, func, literal_column, select
from sqlalchemy.orm import Session

from cityloop.cases.models import Case
from cityloop.cases.repository import scope_filter
from cityloop.cases.states import DONE_STATES as CASE_DONE
from cityloop.kit.auth import Role, Subject
from cityloop.kit.errors import Forbidden
from cityloop.services.applications.models import Application, ApplicationEvent
from cityloop.services.applications.repository import scoped_applications
from cityloop.services.applications.states import DONE_STATES
from cityloop.services.evaluations.models import Evaluation
from cityloop.services.items.models import ServiceItem

By = Literal["all", "division", "unit", "item"]
BAD, GOOD = 2, 4
LABELS: dict[str, tuple[str, str]] = {
    "online_rate": ("网办率", "Online share"), "instant_rate": ("即办件比例", "Instant share"),
    "compression": ("承诺时限压缩比", "Time-limit compression"), "on_time_rate": ("按期办结率", "On-time completion"),
    "avg_visits": ("平均跑动次数", "Average visits"), "correction_rate": ("补正率", "Correction rate"),
    "good_rate": ("好评率", "Good ratings"), "rectified_rate": ("差评整改率", "Bad ratings rectified"),
    "rectified_on_time_rate": ("整改按期率", "Rectified on time"),
}


@dataclass(frozen=True)
class KpiQuery:
    """Applications received in [start, end) under `division_code` (all visible ones when empty)."""

    start: datetime
    end: datetime
    division_code: str = ""
    by: By = "all"


def _key(by: By) -> ColumnElement[Any]:
    columns: dict[str, Any] = {"division": Application.division_code, "unit": ServiceItem.unit_name,
                               "item": Application.item_code}
    return columns.get(by, literal_column("'all'"))


def _grouped(stmt: Any, by: By, key: Any) -> Any:
    # A constant cannot be a GROUP BY term on PostgreSQL: the whole period is one group without it.
    return stmt if by == "all" else stmt.group_by(key)


def _apps(subject: Subject, q: KpiQuery) -> Any:
    stmt = scoped_applications(subject).join(ServiceItem, ServiceItem.id == Application.item_id).where(
        Application.received_at >= q.start, Application.received_at < q.end)
    if q.division_code:
        stmt = stmt.where(Application.division_code.startswith(q.division_code, autoescape=True))
    return stmt


def _sum(cond: ColumnElement[bool], value: Any = 1) -> ColumnElement[Any]:
    return func.coalesce(func.sum(case((cond, value), else_=0)), 0)


def report(session: Session, subject: Subject, q: KpiQuery) -> list[dict[str, Any]]:
    """One row per group with the counts and the nine KPIs."""
    corrected = exists().where(ApplicationEvent.application_id == Application.id,
                               ApplicationEvent.action == "request_correction")
    done = Application.state.in_(DONE_STATES)
    online = Application.channel == "online"
    key = _key(q.by).label("key")
    stmt = _apps(subject, q).outerjoin(Evaluation, Evaluation.application_id == Application.id).with_only_columns(
        key, func.count(Application.id), _sum(online), _sum(ServiceItem.promised_days == 0),
        func.coalesce(func.sum(ServiceItem.promised_days), 0), func.coalesce(func.sum(ServiceItem.legal_days), 0),
        _sum(done), _sum(and_(done, Application.concluded_at <= Application.deadline)),
        # 跑动次数: none online, one visit at the window, one more when it had to come back for 补正.
        _sum(~online, 1) + _sum(and_(~online, corrected)), _sum(corrected),
        func.count(Evaluation.id), _sum(Evaluation.score >= GOOD), _sum(Evaluation.score <= BAD),
    )
    stmt = _grouped(stmt, q.by, key)
    rows = {r[0]: _row(r) for r in session.execute(stmt)}
    for k, fixed, on_time in _rectified(session, subject, q):
        if k in rows:
            rows[k].update(_rates({"rectified": int(fixed), "rectified_on_time": int(on_time)}, rows[k]))
    return sorted(rows.values(), key=lambda r: -r["received"])


def _row(r: Any) -> dict[str, Any]:
    (key, received, online, instant, promised, legal, done, on_time, visits, corrected, rated, good, bad) = r
    row = {"key": key, "received": int(received), "online": int(online), "instant": int(instant),
           "concluded": int(done), "on_time": int(on_time), "corrected": int(corrected), "rated": int(rated),
           "good": int(good), "bad": int(bad), "rectified": 0, "rectified_on_time": 0}
    row["compression"] = round(1 - promised / legal, 4) if legal else None
    row["avg_visits"] = round(visits / received, 3) if received else None
    return _rates({}, row)


def _share(a: int, b: int) -> float | None:
    return round(a / b, 4) if b else None


def _rates(update: dict[str, Any], row: dict[str, Any]) -> dict[str, Any]:
    r = {**row, **update}
    r.update(online_rate=_share(r["online"], r["received"]), instant_rate=_share(r["instant"], r["received"]),
             on_time_rate=_share(r["on_time"], r["concluded"]), correction_rate=_share(r["corrected"], r["received"]),
             good_rate=_share(r["good"], r["rated"]), rectified_rate=_share(r["rectified"], r["bad"]),
             rectified_on_time_rate=_share(r["rectified_on_time"], r["rectified"]))
    return r


def _rectified(session: Session, subject: Subject, q: KpiQuery) -> list[Any]:
    """Per group: 差评 cases the case loop has finished, and those finished within their deadline."""
    key = _key(q.by).label("key")
    finished = Case.state.in_(CASE_DONE)
    in_time = and_(finished, Case.completed_at <= Case.deadline)
    apps = _apps(subject, q).join(Evaluation, Evaluation.application_id == Application.id).where(
        Evaluation.score <= BAD).subquery()
    stmt = scope_filter(select(key, _sum(finished), _sum(in_time)).select_from(Case)
                        .join(Evaluation, Evaluation.case_id == Case.id)
                        .join(Application, Application.id == Evaluation.application_id)
                        .join(ServiceItem, ServiceItem.id == Application.item_id)
                        .where(Application.id.in_(select(apps.c.id))), subject)
    stmt = _grouped(stmt, q.by, key)
    return list(session.execute(stmt))


def report_for(session: Session, subject: Subject, q: KpiQuery) -> list[dict[str, Any]]:
    """The report for staff who oversee services (leaders, supervisors, window staff, administrators)."""
    if not subject.has(Role.LEADER, Role.SUPERVISOR, Role.WINDOW):
        raise Forbidden("无权查看一网通办指标", "You may not see the services KPIs")
    return report(session, subject, q)
