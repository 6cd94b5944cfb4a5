"""Demo city: real Hangzhou divisions, units, one user per role, a taxonomy and 90 days of cases.

Every case goes through the real services (intake, `workflow.perform`, the SLA sweep) with the application
clock frozen at each step's moment, so history, deadlines and KPIs are what real use would have produced.
"""

from __future__ import annotations

import heapq
import random
import time as timer
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from cityloop.accounts import repository as accounts_repo
from cityloop.accounts import service as accounts
from cityloop.accounts.models import Unit, User
from cityloop.areas.divisions.models import Division
from cityloop.cases import routing, sla
from cityloop.cases.calendar_source import calendar
from cityloop.cases.demo import texts as tx
from cityloop.cases.demo.elements import seed_elements
from cityloop.cases.demo.grids import seed_grids
from cityloop.cases.demo.patrol import seed_patrol
from cityloop.cases.demo.plan import HISTORY_DAYS, CasePlan, communities, generate, person
from cityloop.cases.intake import after_intake_paused, intake
from cityloop.cases.models import Case
from cityloop.cases.schemas import ActionIn, CaseIn
from cityloop.cases.states import State
from cityloop.cases.taxonomy import import_taxonomy
from cityloop.cases.workflow import perform
from cityloop.config import get_settings
from cityloop.kit import clock
from cityloop.kit.auth import ROLE_LABELS, Role, Subject
from cityloop.kit.clock import to_local
from cityloop.kit.db import session_scope
from cityloop.kit.errors import Conflict, ValidationFailed

DEMO_TAXONOMY = Path(__file__).resolve().parents[1] / "data" / "demo_taxonomy.csv"
ROLE_USERS = ("admin", "agent", "dispatcher", "handler", "grid_worker", "supervisor", "leader", "window",
              "citizen")
# Printed after seeding: the role users and the policy demo's 法人账号 (`demo seed` adds it after the city).
SHOWN_USERS = (*ROLE_USERS, "firm")
GRID_STREET = "330106005"  # 翠苑街道: the `grid_worker` user patrols here
HANDLER_UNIT = ("chengguan", "330106")  # 西湖区城管局: the `handler` user works here
_REVISIT_NOTES = {"satisfied": "回访来电人，表示满意。", "basically_satisfied": "回访来电人，表示基本满意。",
                  "dissatisfied": "回访来电人，表示问题未解决，不满意。"}


@dataclass(frozen=True)
class Login:
    """A demo account as printed for the user."""

    username: str
    role: str
    unit: str
    scope: str


@dataclass
class DemoSummary:
    """What `seed` created."""

    cases: int
    by_state: dict[str, int]
    divisions: int
    units: int
    users: int
    logins: list[Login]
    password: str
    seconds: float


@dataclass
class _City:
    """Ids and subjects the simulation needs."""

    version_id: int
    units: dict[tuple[str, str], Unit]
    keys: dict[int, tuple[str, str]]
    names: dict[int, str]
    lateness: dict[int, float]
    handlers: dict[int, list[Subject]]
    grid: dict[str, Subject]
    staff: dict[str, list[Subject]]
    citizen: Subject
    iot: Subject
    logins: list[Login]


def is_empty() -> bool:
    """True when the configured database has no users yet (`./run` seeds only then)."""
    with session_scope() as session:
        return not accounts_repo.any_user_exists(session)


def seed(session: Session, cases: int = 5000, seed: int = 42, now: datetime | None = None) -> DemoSummary:
    """Create the demo city and `cases` cases over the last 90 days; refuses a database that has users."""
    if accounts_repo.any_user_exists(session):
        raise Conflict("数据库已有用户，演示数据只能写入空数据库", "The database already has users; the demo "
                       "city is only seeded into an empty database")
    started = timer.perf_counter()
    now = now or clock.utcnow()
    session.commit()  # end the caller's snapshot so it sees the city afterwards
    try:
        with _writer(session) as work:
            clock.freeze(now - timedelta(days=HISTORY_DAYS + 1))
            divisions = _build_places(work)
            city = _build_city(work, random.Random(f"{seed}:city"))
            seed_grids(work)  # after the users, so each street's grid workers get its grids
            work.commit()
            seed_elements(work, seed)
            seed_patrol(work, seed, now, GRID_STREET)
            with after_intake_paused():  # the plan scripts its own merges; no auto-merge may pre-empt them
                held = _simulate(work, city, generate(cases, seed, now), now)
            clock.freeze(now)
            sla.sweep(work, now)
    finally:
        clock.freeze(None)
    by_state = Counter(str(c.state) for c in held)
    return DemoSummary(cases=len(held), by_state=dict(sorted(by_state.items())), divisions=divisions,
                       units=len(city.units), users=len(city.logins), logins=city.logins,
                       password=get_settings().demo_password,
                       seconds=round(timer.perf_counter() - started, 1))


@contextmanager
def _writer(session: Session) -> Iterator[Session]:
    """A session on one connection of the caller's engine that does not wait for WAL flushes on PostgreSQL.

    The services commit after every step (~45k commits for 5,000 cases) and waiting for each to reach the disk
    dominated the run on PostgreSQL. A crash mid-seed leaves a partial demo either way (rebuilt from an empty
    database), so asynchronous commit loses nothing; the setting is reset before the connection is returned.
    """
    bind = session.get_bind()
    if not isinstance(bind, Engine):  # the caller manages the connection (e.g. an outer transaction)
        yield session
        return
    postgres = bind.dialect.name == "postgresql"
    with bind.connect() as conn:
        if postgres:
            conn.exec_driver_sql("SET synchronous_commit TO OFF")
            conn.commit()
        work = Session(bind=conn, expire_on_commit=False)
        try:
            yield work
        finally:
            work.close()
            if postgres:
                conn.rollback()
                conn.exec_driver_sql("RESET synchronous_commit")
                conn.commit()


# ------------------------------------------------------------------------------------- places, units, users

def _build_places(session: Session) -> int:
    rows = [Division(code=tx.PROVINCE[0], name=tx.PROVINCE[1], short_name=tx.PROVINCE[2], level=1),
            Division(code=tx.CITY[0], name=tx.CITY[1], short_name=tx.CITY[2], level=2,
                     parent_code=tx.PROVINCE[0])]
    rows += [Division(code=d.code, name=d.name, short_name=d.short, level=3, parent_code=tx.CITY[0])
             for d in tx.DISTRICTS]
    for s in tx.STREETS:
        rows.append(Division(code=s.code, name=s.name, short_name=s.name.removesuffix("街道"), level=4,
                             parent_code=s.code[:6]))
        rows += [Division(code=code, name=name, short_name=name.removesuffix("社区"), level=5,
                          parent_code=s.code) for code, name in communities(s)]
    # Divisions imported earlier (e.g. the national list) are kept as they are.
    existing = set(session.scalars(select(Division.code).where(Division.code.in_([r.code for r in rows]))))
    session.add_all(r for r in rows if r.code not in existing)
    session.flush()
    return len(rows)


def _build_city(session: Session, rng: random.Random) -> _City:
    city_code = tx.CITY[0]
    units: dict[tuple[str, str], Unit] = {}

    def add(name: str, code: str, unit_type: str, kind: str = "department",
            parent: Unit | None = None) -> Unit:
        units[(unit_type, code)] = accounts.create_unit(session, name, code, kind=kind, unit_type=unit_type,
                                                        parent=parent)
        return units[(unit_type, code)]

    center = add("市12345热线中心", city_code, "center", kind="center")
    for utype, (city_name, _fmt) in tx.DEPARTMENTS.items():
        add(city_name, city_code, utype, parent=center)
    for d in tx.DISTRICTS:
        office = add(f"{d.name}人民政府", d.code, "district_office", kind="area_office", parent=center)
        for utype, (_city_name, fmt) in tx.DEPARTMENTS.items():
            add(fmt.format(d=d.name), d.code, utype, parent=office)
        for s in (s for s in tx.STREETS if s.code.startswith(d.code)):
            name = f"{s.name}办事处" if s.name.endswith("街道") else f"{s.name}人民政府"
            add(name, s.code, "street_office", kind="area_office", parent=office)
    users = _create_users(session, units, rng)
    version = import_taxonomy(session, DEMO_TAXONOMY, "演示责任清单")
    _key, secret = accounts.create_api_key(session, "物联感知平台", [Role.AGENT], city_code)
    session.commit()
    routing.clear_cache()
    return _assemble(session, units, users, version.id, accounts.subject_from_api_key(session, secret), rng)


def _user_specs(units: dict[tuple[str, str], Unit]) -> list[tuple[str, Role, Unit | None]]:
    """Usernames: role names, then `city_<type>`, `<district>_<type>`, `<district>_<street>`, `…_grid`.

    Handlers of city and district departments are named by unit type (`xh_chengguan` = 西湖区城管局); a street
    office has a handler `<district>_<street>` (`xh_beishan`) and a grid worker `<district>_<street>_grid`.
    """
    city, center = tx.CITY[0], units[("center", tx.CITY[0])]
    specs: list[tuple[str, Role, Unit | None]] = [
        ("admin", Role.ADMIN, center), ("agent", Role.AGENT, center), ("dispatcher", Role.DISPATCHER, center),
        ("handler", Role.HANDLER, units[HANDLER_UNIT]),
        ("grid_worker", Role.GRID_WORKER, units[("street_office", GRID_STREET)]),
        ("supervisor", Role.SUPERVISOR, center), ("leader", Role.LEADER, center),
        ("citizen", Role.CITIZEN, None), ("agent_02", Role.AGENT, center), ("agent_03", Role.AGENT, center),
        ("dispatcher_02", Role.DISPATCHER, center), ("window", Role.WINDOW, center),
    ]
    specs += [(f"city_{t}", Role.HANDLER, units[(t, city)]) for t in tx.DEPARTMENTS]
    for d in tx.DISTRICTS:
        specs += [(f"{d.prefix}_{t}", Role.HANDLER, units[(t, d.code)]) for t in tx.DEPARTMENTS]
        for s in (s for s in tx.STREETS if s.code.startswith(d.code)):
            office = units[("street_office", s.code)]
            specs.append((f"{d.prefix}_{s.slug}", Role.HANDLER, office))
            if s.code != GRID_STREET:
                specs.append((f"{d.prefix}_{s.slug}_grid", Role.GRID_WORKER, office))
    return specs


def _create_users(session: Session, units: dict[tuple[str, str], Unit], rng: random.Random) -> list[User]:
    # All demo users share one password, so it is hashed once (argon2 takes ~0.1 s per hash) and the rows are
    # added directly instead of through `accounts.create_user`, which would hash it again for every user.
    password = get_settings().demo_password
    if len(password) < 8:  # the rule `accounts.create_user` would have applied
        raise ValidationFailed({"demo_password": ("演示密码至少8位", "The demo password needs 8+ chars")})
    password_hash = accounts.hash_password(password)
    users = [User(username=name, display_name=person(rng), password_hash=password_hash, roles=[str(role)],
                  unit_id=unit.id if unit else None, scope_code=unit.division_code if unit else "")
             for name, role, unit in _user_specs(units)]
    session.add_all(users)
    session.flush()
    return users


def _assemble(session: Session, units: dict[tuple[str, str], Unit], users: list[User], version_id: int,
              iot: Subject, rng: random.Random) -> _City:
    names = {u.id: u.name for u in units.values()}
    handlers: dict[int, list[Subject]] = {}
    grid: dict[str, Subject] = {}
    staff: dict[str, list[Subject]] = {}
    logins = []
    citizen: Subject | None = None
    for user in users:
        subject = accounts.subject_for_user(session, user)
        role = Role(user.roles[0])
        logins.append(Login(user.username, str(role), names.get(user.unit_id or 0, ""), user.scope_code))
        if role == Role.HANDLER:
            handlers.setdefault(user.unit_id or 0, []).append(subject)
        elif role == Role.GRID_WORKER:
            grid[user.scope_code] = subject
        elif role == Role.CITIZEN:
            citizen = subject
        else:
            staff.setdefault(role, []).append(subject)
    assert citizen is not None  # `_user_specs` always has one
    # Units differ in how often they run late, so KPI rankings have something to rank.
    lateness = {uid: rng.uniform(0.03, 0.22) for uid in sorted(names)}
    keys = {u.id: key for key, u in units.items()}
    return _City(version_id, units, keys, names, lateness, handlers, grid, staff, citizen, iot, logins)


# ---------------------------------------------------------------------------------------------- simulation

class _Sim:
    """Runs every case's life as a generator of step times, interleaved in time order."""

    def __init__(self, session: Session, city: _City, now: datetime) -> None:
        self.session, self.city, self.now = session, city, now
        self.cal = calendar(session)
        self.case_ids: dict[int, int] = {}
        self.cases: list[Case] = []

    def run(self, plans: list[CasePlan]) -> None:
        heap: list[tuple[datetime, int, Iterator[datetime]]] = []
        for plan in plans:
            life = self.life(plan, random.Random(f"{plan.index}:{plan.title}"))
            heap.append((next(life), plan.index, life))
        sweeper = self.sweeps(plans[0].received_at if plans else self.now)
        heap.append((next(sweeper), -1, sweeper))
        heapq.heapify(heap)
        while heap:
            at, order, life = heapq.heappop(heap)
            if at > self.now:
                continue
            clock.freeze(at.astimezone(UTC))
            step = next(life, None)
            if step is not None:
                heapq.heappush(heap, (step, order, life))

    def sweeps(self, start: datetime) -> Iterator[datetime]:
        """The SLA sweep once a day at 08:30, as the task runner would have run it."""
        day = to_local(start).replace(hour=8, minute=30, second=0, microsecond=0) + timedelta(days=1)
        while True:
            yield day
            sla.sweep(self.session, day)
            day += timedelta(days=1)

    def act(self, who: Subject, case: Case, action: str, **body: object) -> None:
        perform(self.session, who, case.id, action, ActionIn.model_validate(body))

    def pick(self, role: Role, rng: random.Random) -> Subject:
        return rng.choice(self.city.staff[role])

    def later(self, plan: CasePlan, at: datetime, delay: timedelta, office: bool = True) -> datetime:
        """`at + delay`, moved into office hours for office work; held cases are squeezed in before now."""
        nxt = at + max(delay, timedelta(minutes=1))
        if office:
            nxt = self.office(nxt)
        if plan.pin is not None and nxt >= self.now:
            nxt = at + (self.now - at) * 0.3
        return nxt

    def office(self, at: datetime) -> datetime:
        local = to_local(at)
        if self.cal.is_workday(local.date()) and 8.5 <= local.hour + local.minute / 60 < 17.5:
            return at
        day = local.date() if local.hour < 8 else local.date() + timedelta(days=1)
        while not self.cal.is_workday(day):
            day += timedelta(days=1)
        start = local.replace(year=day.year, month=day.month, day=day.day, hour=8, minute=30)
        return start + timedelta(minutes=(local.minute * 7 + local.second) % 90)

    # -- the life of one case -----------------------------------------------------------------------------

    def life(self, plan: CasePlan, rng: random.Random) -> Iterator[datetime]:
        t = plan.received_at
        yield t
        case = self.file(plan, rng)
        if plan.pin == case.state:
            return
        if plan.kind != "normal" or case.state == State.RECEIVED:
            t = self.later(plan, t, timedelta(minutes=rng.uniform(5, 40) if rng.random() < 0.85 else
                                              rng.uniform(40, 240)), office=plan.path["disputed"] > 0)
            yield t
            if not self.triage(plan, case, rng):
                return
        yield from self.work(plan, case, rng, t, first_round=True)

    def file(self, plan: CasePlan, rng: random.Random) -> Case:
        city = self.city
        if plan.channel == "iot":
            who = city.iot
        elif plan.channel == "grid":
            who = city.grid[plan.street.code]
        elif plan.channel in {"web", "app"} and rng.random() < 0.25:
            who = city.citizen
        else:
            who = self.pick(Role.AGENT, rng)
        reporter = {"name": plan.reporter[0], "phone": plan.reporter[1]} if plan.reporter else {}
        data = CaseIn.model_validate({
            "channel": plan.channel, "appeal_type": plan.appeal_type, "title": plan.title,
            "content": plan.content,
            "reporter": reporter, "category_code": plan.leaf if plan.path.get("queue", 1) == 0 else None,
            "location": {"address": plan.address or None, "lng": plan.lng, "lat": plan.lat,
                         "division_code": plan.division_code}})
        case, _created = intake(self.session, who, data)
        self.case_ids[plan.index] = case.id
        self.cases.append(case)
        return case

    def triage(self, plan: CasePlan, case: Case, rng: random.Random) -> bool:
        """Dispatcher's desk: invalidate, merge or dispatch; True if the case goes on to a unit."""
        dispatcher = self.pick(Role.DISPATCHER, rng)
        if plan.kind == "invalid":
            note = next(n for t, _b, n in tx.INVALID_TEXTS if t == plan.title)
            self.act(dispatcher, case, "invalidate", note=note)
            return False
        if plan.kind == "duplicate":
            target = self.case_ids.get(plan.dup_of)
            if target is not None:
                self.act(dispatcher, case, "merge", into=target, note=tx.MERGE_NOTE)
            return False
        unit_id = self.unit_for(plan, case, rng)
        self.act(dispatcher, case, "dispatch", unit_id=unit_id,
                 note=rng.choice(tx.DISPATCH_NOTES).format(alt=self.city.names[unit_id]))
        return plan.pin != case.state

    def unit_for(self, plan: CasePlan, case: Case, rng: random.Random) -> int:
        leaf = tx.LEAVES[plan.leaf] if plan.leaf else None
        if leaf and leaf.dispute_units:
            utype = rng.choice(leaf.dispute_units)
            area = plan.street.code if utype == "street_office" else plan.street.code[:6]
            return self.city.units[(utype, area)].id
        route = routing.route(self.session, self.city.version_id, plan.leaf, case.division_code,
                              case.appeal_type)
        return route.unit_id or self.city.units[("street_office", plan.street.code)].id

    def alternative(self, plan: CasePlan, unit_id: int) -> int:
        """The unit a case is most often moved to: city → district department, street office ↔ district."""
        unit_type, division = self.city.keys[unit_id]
        district = plan.street.code[:6]
        if division == tx.CITY[0]:
            return self.city.units[(unit_type, district)].id
        if unit_type != "street_office":
            return self.city.units[("street_office", plan.street.code)].id
        return self.city.units[("chengguan", district)].id

    def handler(self, case: Case, rng: random.Random) -> Subject:
        return rng.choice(self.city.handlers[case.unit_id or 0])

    def work(self, plan: CasePlan, case: Case, rng: random.Random, t: datetime,
             first_round: bool) -> Iterator[datetime]:
        """From dispatched to closed, with the side paths the plan asks for."""
        path = plan.path if first_round else {k: 0.0 for k in plan.path} | {"revisit": plan.path["revisit"],
                                                                              "sat": rng.random() * 0.9}
        urgent = case.handle_unit in {"h", "min"}
        late = rng.random() < self.city.lateness.get(case.unit_id or 0, 0.1)
        if path["reassign"]:
            t = self.later(plan, t, timedelta(minutes=rng.uniform(20, 180)), office=not urgent)
            yield t
            alt = self.alternative(plan, case.unit_id or 0)
            self.act(self.pick(Role.DISPATCHER, rng), case, "reassign", unit_id=alt,
                     note=rng.choice(tx.REASSIGN_NOTES).format(alt=self.city.names[alt]))
        t = self.sign_time(plan, case, rng, t, urgent)
        yield t
        if path["return"]:
            alt = self.alternative(plan, case.unit_id or 0)
            self.act(self.handler(case, rng), case, "return",
                     note=rng.choice(tx.RETURN_REASONS).format(alt=self.city.names[alt]))
            if plan.pin == case.state:
                return
            t = self.later(plan, t, timedelta(hours=rng.uniform(1, 6)))
            yield t
            if path["return_approved"]:
                self.act(self.pick(Role.SUPERVISOR, rng), case, "approve_return", note="同意退回，重新派单。")
                t = self.later(plan, t, timedelta(minutes=rng.uniform(10, 60)))
                yield t
                self.act(self.pick(Role.DISPATCHER, rng), case, "dispatch", unit_id=alt,
                         note=rng.choice(tx.DISPATCH_NOTES).format(alt=self.city.names[alt]))
                t = self.sign_time(plan, case, rng, t, urgent)
                yield t
                self.act(self.handler(case, rng), case, "sign")
            else:
                self.act(self.pick(Role.SUPERVISOR, rng), case, "reject_return",
                         note="经核实属于本单位职责，请继续办理。")
        else:
            self.act(self.handler(case, rng), case, "sign")
        if plan.pin == case.state:
            return
        yield from self.handle(plan, case, rng, t, path, urgent, late)

    def sign_time(self, plan: CasePlan, case: Case, rng: random.Random, t: datetime,
                  urgent: bool) -> datetime:
        limit = (case.sign_deadline or t + timedelta(hours=2)) - t
        if plan.path["late_sign"] < 0.07:
            return self.later(plan, t, limit + timedelta(minutes=rng.uniform(10, 600)), office=False)
        planned = self.later(plan, t, limit * rng.uniform(0.05, 0.7), office=not urgent)
        return planned if planned <= t + limit else self.later(plan, t, limit * 0.5, office=False)

    def handle(self, plan: CasePlan, case: Case, rng: random.Random, t: datetime, path: dict[str, float],
               urgent: bool, late: bool) -> Iterator[datetime]:
        supervisor = self.pick(Role.SUPERVISOR, rng)
        for key in ("urge", "extension", "suspend", "escalate"):
            if not path[key]:
                continue
            t = self.later(plan, t, self.remaining(case, t) * rng.uniform(0.1, 0.3), office=not urgent)
            yield t
            if key == "urge":
                self.act(supervisor, case, "urge", note=rng.choice(tx.URGE_NOTES))
            elif key == "escalate":
                self.act(supervisor, case, "escalate", note="问题复杂，提级办理。")
            elif key == "extension":
                self.act(self.handler(case, rng), case, "request_extension", days=rng.choice((3, 5, 7, 10)),
                         note=rng.choice(tx.EXTENSION_REASONS))
                t = self.later(plan, t, timedelta(hours=rng.uniform(1, 8)), office=not urgent)
                yield t
                ok = bool(path["extension_approved"])
                self.act(supervisor, case, "approve_extension" if ok else "reject_extension",
                         note="同意延期。" if ok else "理由不充分，请按期办结。")
            else:
                self.act(supervisor, case, "suspend", note=rng.choice(tx.SUSPEND_REASONS))
                if plan.pin == case.state:
                    return
                t = self.later(plan, t, timedelta(days=rng.uniform(1, 5)))
                yield t
                self.act(supervisor, case, "resume", note="挂起原因已消除，恢复办理。")
        yield from self.finish(plan, case, rng, t, path, urgent, late)

    def remaining(self, case: Case, t: datetime) -> timedelta:
        return max((case.deadline or t) - t, timedelta(minutes=30))

    def finish(self, plan: CasePlan, case: Case, rng: random.Random, t: datetime, path: dict[str, float],
               urgent: bool, late: bool) -> Iterator[datetime]:
        """Complete, verify (maybe redo), revisit, close (maybe reopen)."""
        deadline = case.deadline or t
        if late:
            # Most late cases slip by a day or two; a long tail drags on for weeks (the overdue backlog).
            hours = rng.expovariate(1 / 30) if rng.random() < 0.65 else rng.uniform(72, 480)
            t = self.later(plan, max(t, deadline), timedelta(hours=hours), office=not urgent)
        else:
            left = self.remaining(case, t)
            planned = self.later(plan, t, left * rng.betavariate(1.3, 3.0), office=not urgent)
            t = planned if planned <= deadline else self.later(plan, t, left * 0.5, office=False)
        yield t
        self.act(self.handler(case, rng), case, "complete", reply=self.reply(plan, case, rng))
        if plan.pin == case.state:
            return
        t = self.later(plan, t, timedelta(hours=rng.uniform(1, 30)), office=not urgent)
        yield t
        verifier = self.city.grid.get(plan.street.code) if rng.random() < 0.7 else None
        verifier = verifier or self.pick(Role.DISPATCHER, rng)
        if path["verify_fail"]:
            self.act(verifier, case, "verify", passed=False, note=rng.choice(tx.VERIFY_FAIL_NOTES))
            t = self.later(plan, t, timedelta(hours=rng.uniform(4, 48)), office=not urgent)
            yield t
            self.act(self.handler(case, rng), case, "complete", reply=self.reply(plan, case, rng))
            t = self.later(plan, t, timedelta(hours=rng.uniform(1, 24)))
            yield t
        self.act(verifier, case, "verify", passed=True, note="现场核查已整改到位。")
        if plan.pin == case.state:
            return
        yield from self.conclude(plan, case, rng, t, path, late)

    def conclude(self, plan: CasePlan, case: Case, rng: random.Random, t: datetime, path: dict[str, float],
                 late: bool) -> Iterator[datetime]:
        if path["revisit"]:
            t = self.later(plan, t, timedelta(hours=rng.uniform(2, 48)))
            yield t
            dissatisfied = path["sat"] < 0.09 + (0.2 if late else 0.0)
            basic = not dissatisfied and path["sat"] > 0.84
            satisfaction = "dissatisfied" if dissatisfied else "basically_satisfied" if basic else "satisfied"
            self.act(self.pick(Role.AGENT, rng), case, "revisit", satisfaction=satisfaction,
                     note=_REVISIT_NOTES[satisfaction])
            if plan.pin == case.state:
                return
            if dissatisfied and path["reopen"]:
                t = self.later(plan, t, timedelta(hours=rng.uniform(1, 24)))
                yield t
                self.act(self.pick(Role.DISPATCHER, rng), case, "reopen", note=rng.choice(tx.REOPEN_NOTES))
                yield from self.work(plan, case, rng, t, first_round=False)
                return
        t = self.later(plan, t, timedelta(hours=rng.uniform(2, 48)))
        yield t
        closer = self.pick(Role.DISPATCHER, rng) if rng.random() < 0.6 else self.pick(Role.AGENT, rng)
        self.act(closer, case, "close", note="办结归档。")

    def reply(self, plan: CasePlan, case: Case, rng: random.Random) -> str:
        templates = tx.REPLIES.get((plan.leaf or "")[:4], tx.REPLIES[""])
        return rng.choice(templates).format(org=self.city.names.get(case.unit_id or 0, "承办单位"))


def _simulate(session: Session, city: _City, plans: list[CasePlan], now: datetime) -> list[Case]:
    sim = _Sim(session, city, now)
    sim.run(plans)
    return sim.cases


def logins(session: Session) -> list[tuple[str, str, str]]:
    """(username, role, unit name) of every user, in creation order (role users first after seeding)."""
    units = {u.id: u.name for u in accounts_repo.all_units(session)}
    # accounts.repository has no "all users" query yet; this read-only listing is the demo's only user query.
    users = accounts_repo.all_users(session)
    return [(u.username, str(u.roles[0]) if u.roles else "", units.get(u.unit_id or 0, "")) for u in users]


def role_label(role: str) -> str:
    """Chinese label of a role code."""
    return ROLE_LABELS[Role(role)][0] if role in set(Role) else role
