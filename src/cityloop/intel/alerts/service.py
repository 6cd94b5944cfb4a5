"""Early-warning alerts over live cases: the daily scan, the supervisors' list and the alert actions."""

from __future__ import annotations

import os
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from cityloop.cases import repository as cases_repo
from cityloop.intel.alerts import repository as repo
from cityloop.intel.alerts import warnings
from cityloop.intel.alerts.models import (
    ACT_ROLES,
    ACTIVE_STATES,
    KIND_META,
    READ_ROLES,
    STATE_META,
    TRANSITIONS,
    Alert,
    AlertAction,
    AlertEvent,
    AlertKind,
    AlertState,
)
from cityloop.kit.auth import Subject
from cityloop.kit.clock import LOCAL_TZ, to_local, utcnow
from cityloop.kit.errors import Conflict, Forbidden, InvalidTransition, NotFound

REPEAT_KINDS = (AlertKind.REPEAT_PLACE, AlertKind.REPEAT_CALLER)
CURRENT_LIMIT = 20


@dataclass
class ScanReport:
    """What one scan found and stored."""

    days: list[str] = field(default_factory=list)
    found: int = 0
    created: int = 0
    by_kind: dict[str, int] = field(default_factory=dict)


def local_midnight(day: date) -> datetime:
    """The UTC instant at which a local (Asia/Shanghai) day starts."""
    return datetime.combine(day, time.min, LOCAL_TZ).astimezone(UTC)


def params() -> warnings.WarningParams:
    """Scan parameters; repeats can be tuned with CITYLOOP_ALERT_REPEAT_COUNT / _DAYS without a release."""
    return warnings.WarningParams(repeat_count=int(os.environ.get("CITYLOOP_ALERT_REPEAT_COUNT", "3")),
                                  repeat_days=int(os.environ.get("CITYLOOP_ALERT_REPEAT_DAYS", "7")))


# ---- Scan ------------------------------------------------------------------------------------------------------


def scan(session: Session, now: datetime | None = None, days: list[date] | None = None,
         p: warnings.WarningParams | None = None) -> ScanReport:
    """Raise the alerts of yesterday and today (or `days`); idempotent, so every sweep may call it."""
    p = p or params()
    today = to_local(now or utcnow()).date()
    # Yesterday too: its last hours may have arrived after the previous scan.
    todo = sorted(days or [today - timedelta(days=1), today])
    found = _spikes(session, todo, p) + _repeats(session, todo, p)
    created = _store(session, found, p)
    session.commit()
    return ScanReport(days=[d.isoformat() for d in todo], found=len(found), created=len(created),
                      by_kind=dict(Counter(a.kind for a in created)))


def _spikes(session: Session, days: list[date], p: warnings.WarningParams) -> list[warnings.Alert]:
    start = local_midnight(days[0] - timedelta(weeks=p.weeks))
    counts: dict[tuple[str, ...], Counter[date]] = defaultdict(Counter)
    for day, category, area, grid, n in repo.daily_counts(session, start, local_midnight(days[-1] + timedelta(1))):
        d = date.fromisoformat(day)
        counts[(category, area)][d] += n
        if grid:
            counts[(category, area, grid)][d] += n
    return [a for d in days for a in warnings.spikes_in(counts, d, p)]


def _repeats(session: Session, days: list[date], p: warnings.WarningParams) -> list[warnings.Alert]:
    start = local_midnight(days[0] - timedelta(days=p.repeat_days - 1))
    end = local_midnight(days[-1] + timedelta(1))
    rows: dict[int, dict[str, Any]] = {}
    for attr in repo.REPEAT_COLUMNS:
        values = repo.repeated_values(session, attr, start, end, p.repeat_count)
        rows.update({r["id"]: r for r in repo.cases_with(session, attr, values, start, end)})
    records = [_record(r) for r in rows.values()]
    divisions = {str(r["id"]): r["division_code"] for r in rows.values()}
    out = []
    for d in days:
        for alert in warnings.repeats(records, d, p):
            ids: list[Any] = alert.evidence.get("ids", [])  # type: ignore[assignment]  # warnings puts a list
            ids = [str(i) for i in ids]
            out.append(_with_evidence(alert, {"divisions": sorted({divisions[i] for i in ids if i in divisions})}))
    return out


def _record(row: dict[str, Any]) -> warnings.Record:
    return warnings.Record(day=to_local(row["received_at"]).date(), category=row["category_code"] or "",
                           area=row["division_code"], place=(row["address"] or "").strip() or None,
                           caller=row["reporter_phone_index"], grid=row["grid_code"], id=str(row["id"]))


def _with_evidence(alert: warnings.Alert, extra: dict[str, object]) -> warnings.Alert:
    return warnings.Alert(alert.kind, alert.key, alert.day, alert.observed, alert.expected, alert.p_value,
                          alert.window, {**alert.evidence, **extra})


def _store(session: Session, found: list[warnings.Alert], p: warnings.WarningParams) -> list[Alert]:
    if not found:
        return []
    taken = repo.taken_keys(session, {a.day for a in found})
    since = min(a.day for a in found) - timedelta(days=p.repeat_days - 1)
    # A repeat stays one alert while it is being dealt with, not one more for each further complaint.
    busy = repo.active_keys(session, [str(k) for k in REPEAT_KINDS], since, [str(s) for s in ACTIVE_STATES])
    units = repo.supervising_units(session)
    created = []
    for found_alert in found:
        row = _row(found_alert, units)
        if (row.kind, row.day, row.key) in taken or (row.kind in REPEAT_KINDS and (row.kind, row.key) in busy):
            continue
        try:
            with session.begin_nested():  # another worker may have raised it a moment ago
                session.add(row)
                session.flush()
        except IntegrityError:
            continue
        session.add(AlertEvent(alert_id=row.id, action="raise", from_state=None, to_state=row.state,
                               actor_id=None, actor_name="system", at=utcnow()))
        taken.add((row.kind, row.day, row.key))
        if row.kind in REPEAT_KINDS:
            busy.add((row.kind, row.key))
        created.append(row)
    return created


def _row(a: warnings.Alert, units: list[tuple[int, str]]) -> Alert:
    evidence = _jsonable(a.evidence)
    category: str | None
    if a.kind == AlertKind.SPIKE:
        category, division, grid = a.key[0], a.key[1], (a.key[2] if len(a.key) > 2 else None)
    else:
        category = _main_category(evidence)
        division, grid = _common_prefix(evidence.get("divisions") or []), None
    return Alert(kind=a.kind, key="|".join(a.key)[:200], day=a.day, division_code=division,
                 category_code=category or None, grid_code=grid, observed=a.observed, expected=a.expected,
                 p_value=a.p_value, window_start=a.window[0], window_end=a.window[1], evidence=evidence,
                 state=AlertState.OPEN, unit_id=_route(division, units))


def _jsonable(evidence: dict[str, object]) -> dict[str, Any]:
    out: dict[str, Any] = dict(evidence)
    if "ids" in out:
        out["case_ids"] = [int(str(i)) for i in out.pop("ids") or []]
    return out


def _main_category(evidence: dict[str, Any]) -> str | None:
    cats = {k: v for k, v in (evidence.get("categories") or {}).items() if k}
    return max(cats, key=lambda k: (cats[k], k)) if cats else None


def _common_prefix(codes: list[str]) -> str:
    """The deepest division containing all `codes` (so every case of a repeat lies in the alert's area)."""
    if not codes:
        return ""
    prefix = os.path.commonprefix(codes)
    lengths = [n for n in (2, 4, 6, 9, 12) if n <= len(prefix)]
    return prefix[: lengths[-1]] if lengths else ""


def _route(division: str, units: list[tuple[int, str]]) -> int | None:
    """The centre or area office whose area is the smallest one containing `division`."""
    owners = [(len(code), uid) for uid, code in units if code and division.startswith(code)]
    return max(owners)[1] if owners else None


# ---- Reads -------------------------------------------------------------------------------------------------------


def _check_read(subject: Subject) -> None:
    if not subject.has(*READ_ROLES):
        raise Forbidden("您的角色不能查看预警", "Your role may not read alerts")


def list_alerts(session: Session, subject: Subject, filters: dict[str, Any], offset: int = 0,
                limit: int = 50) -> tuple[list[Alert], int]:
    """A page of the alerts in the subject's area."""
    _check_read(subject)
    return repo.list_alerts(session, subject, filters, offset, limit)


def current(session: Session, subject: Subject, lang: str = "zh") -> list[dict[str, Any]]:
    """Open and acknowledged alerts of the subject's area for the cockpit and the supervisor board (slot)."""
    items, _total = list_alerts(session, subject, {"state": [str(s) for s in ACTIVE_STATES]}, 0, CURRENT_LIMIT)
    return describe(session, items, lang)


def describe(session: Session, alerts: list[Alert], lang: str = "zh") -> list[dict[str, Any]]:
    """Alerts as JSON-ready dicts with a readable title (category and area names resolved)."""
    names = repo.division_names(session, [a.division_code for a in alerts])
    categories = _category_names(session, lang)
    return [_describe(a, names, categories, lang) for a in alerts]


def _category_names(session: Session, lang: str) -> dict[str, str]:
    version = cases_repo.active_version(session)
    if version is None:
        return {}
    return {c.code: (c.name_en if lang == "en" and c.name_en else c.name)
            for c in cases_repo.categories_of(session, version.id)}


def _describe(a: Alert, names: dict[str, str], categories: dict[str, str], lang: str) -> dict[str, Any]:
    en = lang == "en"
    kind_label = KIND_META[AlertKind(a.kind)][1 if en else 0]
    area = names.get(a.division_code, a.division_code)
    category = categories.get(a.category_code or "", a.category_code or "")
    where = f"{area}{' ' + a.grid_code if a.grid_code else ''}"
    if a.kind == AlertKind.SPIKE:
        detail = (f"{a.observed} cases on {a.day}, expected {a.expected:.1f}" if en
                  else f"{a.day} 共 {a.observed} 件，预期 {a.expected:.1f} 件")
    else:
        detail = (f"{a.observed} cases in {(a.window_end - a.window_start).days + 1} days" if en
                  else f"{(a.window_end - a.window_start).days + 1} 天内 {a.observed} 件")
    return {
        "id": a.id, "kind": a.kind, "kind_label": kind_label, "state": a.state,
        "state_label": STATE_META[AlertState(a.state)][1 if en else 0], "colour": STATE_META[AlertState(a.state)][2],
        "day": a.day.isoformat(), "division_code": a.division_code, "area": area, "grid_code": a.grid_code,
        "category_code": a.category_code, "category": category, "observed": a.observed, "expected": a.expected,
        "p_value": a.p_value, "unit_id": a.unit_id, "case_ids": a.evidence.get("case_ids", []),
        "title": f"{kind_label} · {category + ' · ' if category else ''}{where} · {detail}",
    }


def history(session: Session, subject: Subject, alert_id: int) -> list[AlertEvent]:
    """Events of one visible alert, oldest first."""
    _check_read(subject)
    alert = _get(session, subject, alert_id)
    return repo.events_of(session, [alert.id])


def _get(session: Session, subject: Subject, alert_id: int) -> Alert:
    alert = repo.get_alert(session, subject, alert_id)
    if alert is None:
        raise NotFound("预警不存在", "Alert not found")
    return alert


# ---- Actions -----------------------------------------------------------------------------------------------------


def act(session: Session, subject: Subject, alert_id: int, action: AlertAction, note: str = "",
        row_version: int | None = None) -> Alert:
    """Acknowledge, resolve or dismiss an alert of the subject's area; records an event."""
    _check_read(subject)
    alert = _get(session, subject, alert_id)
    if not subject.has(*ACT_ROLES):
        raise Forbidden("只有督办员或领导可处理预警", "Only supervisors and leaders may act on alerts")
    if row_version is not None and row_version != alert.row_version:
        raise Conflict("预警已被他人修改，请刷新", "The alert changed meanwhile; reload it")
    sources, target = TRANSITIONS[action]
    if AlertState(alert.state) not in sources:
        raise InvalidTransition(f"当前状态不能{action}", f"Cannot {action} an alert that is {alert.state}")
    before = alert.state
    alert.state = target
    if action == AlertAction.ACKNOWLEDGE and subject.kind == "user":
        alert.assignee_id = subject.id
    session.add(AlertEvent(alert_id=alert.id, action=str(action), from_state=before, to_state=target,
                           actor_id=subject.id, actor_name=subject.name, at=utcnow(), note=note))
    try:
        session.commit()
    except StaleDataError as exc:
        session.rollback()
        raise Conflict("预警已被他人修改，请刷新", "The alert changed meanwhile; reload it") from exc
    return alert
