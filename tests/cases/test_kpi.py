"""KPIs: the SQL figures agree with a brute-force recomputation over the same cases; scoping; the API."""

from __future__ import annotations

import random
from collections.abc import Callable, Iterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from builders import DISTRICT, OTHER_DISTRICT, OTHER_STREET, PASSWORD, STREET, World, file_case
from cityloop.accounts import service as accounts
from cityloop.accounts.models import Unit
from cityloop.app import create_app
from cityloop.cases import kpi
from cityloop.cases.kpi import KpiQuery, kpi_breakdown, kpi_report
from cityloop.cases.kpi_routes import router as kpi_router
from cityloop.cases.models import Case
from cityloop.cases.repository import scoped_cases
from cityloop.cases.schemas import ActionIn
from cityloop.cases.states import allowed_actions
from cityloop.cases.workflow import perform
from cityloop.kit import clock
from cityloop.kit.auth import SYSTEM, Role, Subject
from cityloop.kit.clock import LOCAL_TZ
from cityloop.kit.errors import DomainError, Forbidden, ValidationFailed

T0 = datetime(2024, 3, 4, 9, 0, tzinfo=LOCAL_TZ).astimezone(UTC)  # a Monday morning in Hangzhou
H = timedelta(hours=1)
D = timedelta(days=1)
RATES = {
    "instant_dispatch_rate": ("dispatched_in_time", "received"),
    "on_time_sign_rate": ("signed_on_time", "dispatched"),
    "on_time_completion_rate": ("due_completed_on_time", "due"),
    "completion_rate": ("due_completed", "due"),
    "revisit_rate": ("revisited", "completed"),
    "satisfaction_rate": ("satisfied", "revisited"),
    "redo_rate": ("redone", "completed"),
    "first_time_resolution_rate": ("first_time_resolved", "closed"),
    "reassign_rate": ("reassigned", "dispatched"),
}
OVERDUE_STATES = {"received", "dispatched", "handling", "return_requested"}
# Which date places each raw count in the period (restated here, independently of kpi.py).
COUNT_DATE = {
    "received": "received_at", "dispatched": "received_at", "dispatched_in_time": "received_at",
    "signed_on_time": "received_at", "reassigned": "received_at", "invalid": "received_at", "merged": "received_at",
    "due": "deadline", "due_completed": "deadline", "due_completed_on_time": "deadline", "overdue_count": "deadline",
    "completed": "completed_at", "revisited": "completed_at", "satisfied": "completed_at", "redone": "completed_at",
    "closed": "closed_at", "first_time_resolved": "closed_at",
}


# ---- Brute force ---------------------------------------------------------------------------------------------------


def _in(value: datetime | None, q: KpiQuery) -> bool:
    return value is not None and (q.start is None or value >= q.start) and (q.end is None or value < q.end)


def _visible(c: Case, subject: Subject, q: KpiQuery) -> bool:
    # The scoping rule: in the subject's area, or assigned to one of their units or to a unit located in their area.
    unit_area = UNIT_AREAS.get(c.unit_id or 0, "\0")
    return ((not subject.scope or c.division_code.startswith(subject.scope) or c.unit_id in subject.unit_ids
             or unit_area.startswith(subject.scope))
            and (q.division_code is None or c.division_code.startswith(q.division_code))
            and (q.unit_id is None or c.unit_id == q.unit_id)
            and (q.category_code is None or (c.category_code or "").startswith(q.category_code))
            and (q.channel is None or c.channel == q.channel))


def _case_flags(c: Case, q: KpiQuery, now: datetime) -> dict[str, bool]:
    valid = c.state not in ("invalid", "merged")
    intake = valid and _in(c.received_at, q)
    sent = intake and c.dispatched_at is not None
    due = valid and _in(c.deadline, q)
    done = valid and _in(c.completed_at, q)
    closed = c.state == "closed" and _in(c.closed_at, q)
    return {
        "received": intake, "dispatched": sent,
        "dispatched_in_time": sent and c.dispatched_at is not None and c.dispatched_at <= c.dispatch_deadline,
        "signed_on_time": sent and c.signed_at is not None and c.sign_deadline is not None
        and c.signed_at <= c.sign_deadline,
        "reassigned": sent and c.reassign_count > 0,
        "invalid": _in(c.received_at, q) and c.state == "invalid",
        "merged": _in(c.received_at, q) and c.state == "merged",
        "due": due,
        "due_completed": due and c.completed_at is not None,
        "due_completed_on_time": due and c.completed_at is not None and c.deadline is not None
        and c.completed_at <= c.deadline,
        "overdue_count": due and c.state in OVERDUE_STATES and c.deadline is not None and c.deadline < now,
        "completed": done, "revisited": done and c.revisited_at is not None,
        "satisfied": done and c.revisited_at is not None and c.satisfaction in ("satisfied", "basically_satisfied"),
        "redone": done and c.reopen_count > 0,
        "closed": closed, "first_time_resolved": closed and c.reopen_count == 0 and c.reassign_count == 0,
    }


def brute(cases: list[Case], subject: Subject, q: KpiQuery, now: datetime) -> dict[str, Any]:
    """Every figure recomputed in Python, one case at a time."""
    counts = dict.fromkeys(COUNT_DATE, 0)
    hours = 0.0
    for c in cases:
        if not _visible(c, subject, q):
            continue
        flags = _case_flags(c, q, now)
        for key, hit in flags.items():
            counts[key] += hit
        if flags["completed"]:
            assert c.completed_at is not None
            hours += (c.completed_at - c.received_at).total_seconds() / 3600
    out: dict[str, Any] = dict(counts)
    for key, (num, den) in RATES.items():
        out[key] = counts[num] / counts[den] if counts[den] else None
    out["avg_handling_hours"] = hours / counts["completed"] if counts["completed"] else None
    return out


def assert_agrees(sql: dict[str, Any], expected: dict[str, Any]) -> None:
    """Counts and rates equal; the mean within its 2-decimal rounding."""
    for key, value in expected.items():
        if key == "avg_handling_hours" and value is not None:
            assert sql[key] == pytest.approx(value, abs=0.0051), key
        else:
            assert sql[key] == value, (key, sql[key], value)


# Unit id → division of the unit, refreshed by `all_cases` for the brute-force scoping rule.
UNIT_AREAS: dict[int, str] = {}


def all_cases(db: Session) -> list[Case]:
    db.expire_all()
    UNIT_AREAS.clear()
    UNIT_AREAS.update({u.id: u.division_code for u in db.scalars(select(Unit))})
    return list(db.scalars(scoped_cases(SYSTEM)))


def act(db: Session, w: World, who: str, case: Case, action: str, at: datetime, **body: Any) -> None:
    clock.freeze(at)
    perform(db, w.subjects[who], case.id, action, ActionIn.model_validate(body))


def file_at(db: Session, w: World, at: datetime, **overrides: Any) -> Case:
    clock.freeze(at)
    return file_case(db, w.subjects["agent"], **overrides)


# ---- A hand-built history with known figures ---------------------------------------------------------------------


def _history(db: Session, w: World) -> None:
    """Six cases whose figures are worked out in the test below."""
    a = file_at(db, w, T0)  # 占道经营 → street office, auto-dispatched
    act(db, w, "street_handler", a, "sign", T0 + H)
    act(db, w, "street_handler", a, "complete", T0 + D, reply="已处理完毕，现场已清理")
    act(db, w, "grid_worker", a, "verify", T0 + D + H, passed=True)
    act(db, w, "agent", a, "revisit", T0 + D + 2 * H, satisfaction="satisfied")
    act(db, w, "dispatcher", a, "close", T0 + 2 * D)
    b = file_at(db, w, T0, category_code="040101")  # disputed: waits for a dispatcher
    act(db, w, "dispatcher", b, "dispatch", T0 + H, unit_id=w.units["street"].id)
    act(db, w, "street_handler", b, "sign", T0 + D)
    c = file_at(db, w, T0, category_code="040101")
    act(db, w, "dispatcher", c, "invalidate", T0 + H, note="重复来电")
    d = file_at(db, w, T0, category_code="020101")  # 物业 → 住建局
    act(db, w, "dispatcher", d, "reassign", T0 + 2 * H, unit_id=w.units["chengguan"].id)
    e = file_at(db, w, T0, category_code="030101", appeal_type="event")  # 井盖: 1 h to sign, 4 h to handle
    act(db, w, "handler", e, "sign", T0 + H / 2)
    act(db, w, "handler", e, "complete", T0 + 2 * H, reply="已补装缺失井盖并设警示")
    act(db, w, "grid_worker", e, "verify", T0 + 3 * H, passed=False, note="未补装")
    act(db, w, "handler", e, "complete", T0 + 6 * H, reply="已补装井盖并设置警示标志")
    act(db, w, "grid_worker", e, "verify", T0 + 7 * H, passed=True)
    act(db, w, "agent", e, "revisit", T0 + D, satisfaction="dissatisfied")
    file_at(db, w, T0, category_code="030101", appeal_type="event")  # never signed: overdue after 4 h


def test_hand_built_history_gives_the_worked_out_figures(db: Session, world: World) -> None:
    _history(db, world)
    now = T0 + 3 * D
    report = kpi_report(db, world.subjects["leader"], KpiQuery(), now=now).model_dump()
    expected = {
        "received": 5, "invalid": 1, "dispatched": 5, "dispatched_in_time": 4, "instant_dispatch_rate": 0.8,
        "signed_on_time": 2, "on_time_sign_rate": 0.4, "reassigned": 1, "reassign_rate": 0.2,
        "due": 5, "due_completed": 2, "completion_rate": 0.4, "due_completed_on_time": 1,
        "on_time_completion_rate": 0.2, "overdue_count": 1,
        "completed": 2, "revisited": 2, "revisit_rate": 1.0, "satisfied": 1, "satisfaction_rate": 0.5,
        "redone": 1, "redo_rate": 0.5, "avg_handling_hours": 15.0,
        "closed": 1, "first_time_resolved": 1, "first_time_resolution_rate": 1.0,
    }
    assert {k: report[k] for k in expected} == expected
    assert_agrees(report, brute(all_cases(db), world.subjects["leader"], KpiQuery(), now))
    assert set(report["labels"]) >= set(expected)
    assert report["labels"]["instant_dispatch_rate"] == {"zh": "即时分转率", "en": "Instant dispatch rate"}


def test_each_cohort_is_placed_in_the_period_by_its_own_date(db: Session, world: World) -> None:
    _history(db, world)
    q = KpiQuery(start=T0 + H, end=T0 + 2 * D + H)
    report = kpi_report(db, world.subjects["leader"], q, now=T0 + 3 * D)
    assert (report.received, report.invalid) == (0, 0)  # all received at T0, before the period
    assert report.instant_dispatch_rate is None  # 0/0
    assert (report.due, report.overdue_count) == (2, 1)  # the two 4-hour 井盖 cases
    assert (report.completed, report.closed) == (2, 1)
    assert_agrees(report.model_dump(), brute(all_cases(db), world.subjects["leader"], q, T0 + 3 * D))


def test_naive_period_bounds_are_local_time(db: Session, world: World) -> None:
    _history(db, world)
    local = KpiQuery(start=datetime(2024, 3, 4, 9, 0), end=datetime(2024, 3, 4, 9, 1))
    assert kpi_report(db, world.subjects["leader"], local).received == 5


def test_empty_database_gives_zero_counts_and_null_rates(db: Session, world: World) -> None:
    report = kpi_report(db, world.subjects["leader"], KpiQuery())
    assert (report.received, report.overdue_count) == (0, 0)
    assert (report.satisfaction_rate, report.avg_handling_hours) == (None, None)


# ---- Scoping and rights ------------------------------------------------------------------------------------------


def _leader(db: Session, name: str, scope: str) -> Subject:
    user = accounts.create_user(db, name, PASSWORD, [Role.LEADER], scope=scope)
    db.commit()
    return accounts.subject_for_user(db, user)


def test_a_district_leader_sees_only_their_district(db: Session, world: World) -> None:
    _history(db, world)
    file_at(db, world, T0, location={"division_code": OTHER_STREET})
    file_at(db, world, T0, location={"division_code": OTHER_STREET}, category_code="040101")
    here, there = _leader(db, "xihu_leader", DISTRICT), _leader(db, "gongshu_leader", OTHER_DISTRICT)
    city = world.subjects["leader"]
    now = T0 + 3 * D
    mine, theirs, total = (kpi_report(db, s, KpiQuery(), now=now) for s in (here, there, city))
    assert (mine.received, theirs.received, total.received) == (5, 2, 7)
    assert (mine.invalid, theirs.invalid) == (1, 0)
    # Asking for another area does not widen the caller's scope.
    assert kpi_report(db, here, KpiQuery(division_code=OTHER_DISTRICT), now=now).received == 0
    for subject in (here, there, city):
        assert_agrees(kpi_report(db, subject, KpiQuery(), now=now).model_dump(),
                      brute(all_cases(db), subject, KpiQuery(), now))


def test_only_leaders_supervisors_dispatchers_and_admins_read_kpis(db: Session, world: World) -> None:
    for who in ("handler", "agent", "grid_worker", "citizen"):
        with pytest.raises(Forbidden):
            kpi_report(db, world.subjects[who], KpiQuery())
    for reader in ("leader", "supervisor", "dispatcher", "admin"):
        kpi_report(db, world.subjects[reader], KpiQuery())


def test_period_must_not_be_empty(db: Session, world: World) -> None:
    with pytest.raises(ValidationFailed):
        kpi_report(db, world.subjects["leader"], KpiQuery(start=T0, end=T0))


# ---- Breakdowns -------------------------------------------------------------------------------------------------


def _group_key(by: str, c: Case, subject: Subject, q: KpiQuery) -> Any:
    if by == "division":
        prefix = q.division_code or subject.scope
        length = next((n for n in (2, 4, 6, 9, 12) if n > len(prefix)), 12)
        return c.division_code[:length]
    return {"unit": c.unit_id, "category": c.category_code, "channel": c.channel}[by]


def check_breakdowns(db: Session, subject: Subject, q: KpiQuery, now: datetime) -> None:
    """Every grouped row equals the brute force over its group (or its local day/month)."""
    cases = all_cases(db)
    total = kpi_report(db, subject, q, now=now)
    for by in ("division", "unit", "category", "channel"):
        rows = kpi_breakdown(db, subject, q, by, now=now).rows  # type: ignore[arg-type]
        groups: dict[Any, list[Case]] = {}
        for c in cases:
            groups.setdefault(_group_key(by, c, subject, q), []).append(c)
        for row in rows:
            assert_agrees(row.model_dump(), brute(groups.get(row.key, []), subject, q, now))
        for key in COUNT_DATE:
            assert sum(getattr(r, key) for r in rows) == getattr(total, key), (by, key)
    for by in ("day", "month"):
        rows = kpi_breakdown(db, subject, q, by, now=now).rows  # type: ignore[arg-type]
        for row in rows:
            assert_agrees(row.model_dump(), brute(cases, subject, _bucket(q, by, str(row.key)), now))
        for key in COUNT_DATE:
            assert sum(getattr(r, key) for r in rows) == getattr(total, key), (by, key)


def _bucket(q: KpiQuery, by: str, key: str) -> KpiQuery:
    """The query's period narrowed to one local day or month."""
    if by == "day":
        first = datetime.fromisoformat(key).replace(tzinfo=LOCAL_TZ)
        after = first + D
    else:
        year, month = map(int, key.split("-"))
        first = datetime(year, month, 1, tzinfo=LOCAL_TZ)
        after = datetime(year + month // 12, month % 12 + 1, 1, tzinfo=LOCAL_TZ)
    start = max(first, q.start) if q.start else first
    end = min(after, q.end) if q.end else after
    return replace(q, start=start, end=end)


def test_breakdowns_agree_with_brute_force(db: Session, world: World) -> None:
    _history(db, world)
    file_at(db, world, T0 + 5 * D, location={"division_code": OTHER_STREET}, channel="web")
    for q in (KpiQuery(), KpiQuery(start=T0 + H, end=T0 + 10 * D), KpiQuery(division_code=DISTRICT)):
        check_breakdowns(db, world.subjects["leader"], q, T0 + 3 * D)


def test_units_are_ranked_and_labelled(db: Session, world: World) -> None:
    _history(db, world)
    rows = kpi_breakdown(db, world.subjects["leader"], KpiQuery(), "unit", sort="-received", now=T0 + 3 * D).rows
    assert [r.received for r in rows] == sorted((r.received for r in rows), reverse=True)
    assert (rows[0].label, rows[0].received) == ("西湖区城管局", 3)
    by_division = kpi_breakdown(db, world.subjects["leader"], KpiQuery(), "division").rows
    assert [(r.key, r.label) for r in by_division] == [(DISTRICT, "西湖区")]


def test_a_bounded_day_trend_has_every_day(db: Session, world: World) -> None:
    _history(db, world)
    q = KpiQuery(start=datetime(2024, 3, 1), end=datetime(2024, 3, 11))
    rows = kpi_breakdown(db, world.subjects["leader"], q, "day", now=T0 + 3 * D).rows
    assert [r.key for r in rows] == [f"2024-03-{d:02d}" for d in range(1, 11)]
    assert (rows[3].received, rows[0].received, rows[0].instant_dispatch_rate) == (5, 0, None)
    with pytest.raises(ValidationFailed):
        kpi_breakdown(db, world.subjects["leader"], KpiQuery(start=datetime(2000, 1, 1), end=T0), "day")


# ---- Random histories ---------------------------------------------------------------------------------------------

STEPS = [timedelta(0), timedelta(minutes=10), timedelta(minutes=40), 2 * H, 9 * H, D, 4 * D, 12 * D]
PLACES = [STREET, STREET, OTHER_STREET, DISTRICT]
CATEGORIES = ["010101", "010201", "020101", "030101", "040101"]
FORWARD = {"dispatch", "sign", "complete", "verify", "revisit", "close"}  # the main path, favoured


def _payload(action: str, case: Case, w: World, rnd: random.Random, others: list[Case]) -> dict[str, Any]:
    units = [w.units[n].id for n in ("street", "chengguan", "zhujian", "other_cg") if w.units[n].id != case.unit_id]
    targets = [o.id for o in others if o.id != case.id] or [case.id]
    return {
        "dispatch": {"unit_id": rnd.choice(units)}, "reassign": {"unit_id": rnd.choice(units)},
        "return": {"note": "不属于本单位"}, "request_extension": {"days": rnd.randint(1, 3), "note": "需协调"},
        "suspend": {"note": "等待材料"}, "complete": {"reply": "已处理完毕，现场已清理"},
        "verify": {"passed": rnd.random() < 0.5, "note": "现场未整改"},
        "revisit": {"satisfaction": rnd.choice(["satisfied", "basically_satisfied", "dissatisfied"])},
        "reopen": {"note": "群众不满意"}, "invalidate": {"note": "无效来电"},
        "merge": {"into": rnd.choice(targets), "note": "重复"},
    }.get(action, {})


def _run_history(db: Session, w: World, steps: list[tuple[int, int, int]], start: datetime) -> datetime:
    """File or act on cases at advancing times; impossible actions are skipped like a refused click."""
    at, mine = start, []
    for step, target, pick in steps:
        at += STEPS[step]
        rnd = random.Random(pick)  # every other choice of this step, derived from the drawn integer
        if not mine or rnd.random() < 0.2:
            clock.freeze(at)
            mine.append(file_case(db, w.subjects["admin"], channel=rnd.choice(["hotline", "web", "grid"]),
                                  appeal_type="complain", category_code=rnd.choice(CATEGORIES),
                                  location={"division_code": rnd.choice(PLACES)}))
            continue
        case = mine[-1 - target % min(len(mine), 3)]  # recent cases, so some reach the end of the loop
        actions = allowed_actions(case.state)  # type: ignore[arg-type]
        if not actions:
            continue
        forward = [a for a in actions if a in FORWARD]
        action = rnd.choice(forward if forward and rnd.random() < 0.6 else actions)
        try:
            act(db, w, "admin", case, action, at, **_payload(action, case, w, rnd, mine))
        except DomainError:
            db.rollback()
    return at


@settings(max_examples=25, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(data=st.data())
def test_random_histories_agree_with_brute_force(db: Session, world: World, data: st.DataObject) -> None:
    step = st.tuples(st.integers(0, len(STEPS) - 1), st.integers(0, 2), st.integers(0, 2**32))
    steps = data.draw(st.lists(step, min_size=8, max_size=30), label="steps")
    start = T0 + data.draw(st.integers(0, 60), label="start_day") * D
    end = _run_history(db, world, steps, start)
    bound = st.one_of(st.none(), st.integers(-2, 40).map(lambda halves: start + halves * D / 2))
    lo, hi = data.draw(bound, label="from"), data.draw(bound, label="to")
    if lo and hi and lo >= hi:
        lo, hi = hi, lo + H if lo == hi else lo
    q = KpiQuery(
        start=lo, end=hi,
        division_code=data.draw(st.sampled_from([None, None, DISTRICT, STREET, OTHER_DISTRICT]), label="division"),
        unit_id=data.draw(st.sampled_from([None, None, None, world.units["street"].id,
                                           world.units["chengguan"].id]), label="unit"),
        category_code=data.draw(st.sampled_from([None, None, None, "01", "030101"]), label="category"),
        channel=data.draw(st.sampled_from([None, None, None, "hotline"]), label="channel"),
    )
    now = end + data.draw(st.sampled_from([timedelta(0), H, 5 * D]), label="now")
    subject = world.subjects[data.draw(st.sampled_from(["leader", "other_dispatcher"]), label="who")]
    cases = all_cases(db)
    city = world.subjects["leader"]
    # The whole city over the period (every history so far counts), then the drawn filters and caller.
    assert_agrees(kpi_report(db, city, KpiQuery(start=lo, end=hi), now=now).model_dump(),
                  brute(cases, city, KpiQuery(start=lo, end=hi), now))
    assert_agrees(kpi_report(db, subject, q, now=now).model_dump(), brute(cases, subject, q, now))
    if data.draw(st.booleans(), label="check_breakdowns"):
        check_breakdowns(db, subject, q, now)


# ---- HTTP ---------------------------------------------------------------------------------------------------------


@pytest.fixture
def api(engine: Engine) -> Iterator[TestClient]:
    """A client on the app, with the KPI router mounted if app.py does not mount it yet."""
    app = create_app()
    if not any(getattr(route, "path", "") == "/api/v1/kpi" for route in app.routes):
        app.include_router(kpi_router)
    with TestClient(app) as client:
        yield client


@pytest.fixture
def login(api: TestClient) -> Callable[[str], dict[str, str]]:
    """`login("leader")` → bearer headers for that test user."""

    def headers(username: str) -> dict[str, str]:
        resp = api.post("/api/v1/auth/token", data={"username": username, "password": PASSWORD})
        assert resp.status_code == 200, resp.text
        return {"Authorization": f"Bearer {resp.json()['access_token']}"}

    return headers


def test_kpi_endpoint_returns_every_kpi_by_name(api: TestClient, db: Session, world: World,
                                                login: Callable[[str], dict[str, str]]) -> None:
    _history(db, world)
    clock.freeze(None)  # tokens are checked against the real clock
    resp = api.get("/api/v1/kpi", headers=login("leader"))
    assert resp.status_code == 200, resp.text
    body = resp.json()
    for key in (*RATES, "overdue_count", "avg_handling_hours", "received", "due", "completed", "labels"):
        assert key in body
    assert (body["instant_dispatch_rate"], body["avg_handling_hours"]) == (0.8, 15.0)
    assert body["scope"] == "3301"
    local = api.get("/api/v1/kpi", params={"division_code": DISTRICT, "start": "2024-03-04T09:00:00",
                                           "end": "2024-03-04T10:00:00"}, headers=login("leader"))
    assert local.json()["received"] == 5
    assert local.json()["filters"]["division_code"] == DISTRICT


def test_kpi_breakdown_endpoint(api: TestClient, db: Session, world: World,
                                login: Callable[[str], dict[str, str]]) -> None:
    _history(db, world)
    clock.freeze(None)
    resp = api.get("/api/v1/kpi/breakdown", params={"by": "unit", "sort": "-received", "limit": 2, "lang": "en"},
                   headers=login("dispatcher"))
    assert resp.status_code == 200, resp.text
    rows = resp.json()["rows"]
    assert len(rows) == 2
    assert (rows[0]["label"], rows[0]["received"]) == ("西湖区城管局", 3)
    channels = api.get("/api/v1/kpi/breakdown", params={"by": "channel", "lang": "en"}, headers=login("leader"))
    assert [(r["key"], r["label"]) for r in channels.json()["rows"]] == [("hotline", "Hotline")]


BAD_FILTERS = [
    {"division_code": "33x"}, {"division_code": "3"}, {"unit_id": "0"}, {"unit_id": str(2**63)},
    {"category_code": "01;drop"}, {"start": "yesterday"}, {"channel": "fax"},
    {"start": "2024-03-02", "end": "2024-03-01"},
]
BAD_BREAKDOWNS = [{"by": "weather"}, {}, {"by": "unit", "sort": "title"}, {"by": "unit", "limit": "0"},
                  {"by": "day", "start": "1990-01-01", "end": "2024-03-01"}]


def test_malformed_input_is_422_not_500(api: TestClient, world: World,
                                        login: Callable[[str], dict[str, str]]) -> None:
    headers = login("leader")
    for params in BAD_FILTERS:
        resp = api.get("/api/v1/kpi", params=params, headers=headers)
        assert resp.status_code == 422, (params, resp.text)
    for params in BAD_BREAKDOWNS:
        resp = api.get("/api/v1/kpi/breakdown", params=params, headers=headers)
        assert resp.status_code == 422, (params, resp.text)


def test_kpi_endpoint_needs_a_reading_role(api: TestClient, world: World,
                                           login: Callable[[str], dict[str, str]]) -> None:
    assert api.get("/api/v1/kpi").status_code == 401
    assert api.get("/api/v1/kpi", headers=login("handler")).status_code == 403
    assert api.get("/api/v1/kpi/breakdown?by=unit", headers=login("citizen")).status_code == 403
    assert api.get("/api/v1/kpi", headers=login("supervisor")).status_code == 200


def test_kpi_module_exposes_every_domain_kpi() -> None:
    domain = {"instant_dispatch_rate", "on_time_sign_rate", "on_time_completion_rate", "completion_rate",
              "overdue_count", "avg_handling_hours", "revisit_rate", "satisfaction_rate", "redo_rate",
              "first_time_resolution_rate", "reassign_rate"}
    assert domain <= set(kpi.FIGURE_KEYS)
    assert domain <= set(kpi.KpiFigures.model_fields)

