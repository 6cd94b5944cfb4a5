"""Sustained case intake over HTTP against the bare single-row INSERT + COMMIT limit; prints ONE JSON object.

Phases, all on one fresh, migrated database with a small world (units, users, taxonomy) set up through the
services:

1. intake: `cityloop serve --workers K` as a subprocess; N concurrent keep-alive clients POST /api/v1/cases
   with varied payloads (category given, so every case is routed and gets deadlines), each with its own
   Idempotency-Key; duplicate screening, notices and the history are on as in production; per-request latency.
   Then the same clients ask `GET /api/v1/me` for as long: what the web stack itself (token check,
   a session, one small query) serves on this machine, the ceiling to read the intake figure against.
2. bare insert: the server is stopped, then N concurrent clients insert rows of the same shape into the same
   `cases` table with the raw DBAPI driver (psycopg / sqlite3), one INSERT + COMMIT per row.
3. route + deadline: `routing.route` + `WorkCalendar.add` in-process, per call.

Both load phases run in a child process so the bench's own bookkeeping does not share its GIL, but the
load generator still uses CPU on the same machine: `loadgen_cpu_ms_per_case` and `host_cpu_busy_ratio`
say how much.
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import json
import random
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from contextlib import nullcontext
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from multiprocessing import get_context
from pathlib import Path
from typing import Any

import httpx
from _common import (
    ROOT,
    connections_per_process,
    dbapi_dsn,
    emit,
    fresh_database,
    host_busy_ratio,
    host_cpu_times,
    migrate,
    percentile,
    running_server,
    sqlite_path,
    tree_cpu_seconds,
)

sys.path.insert(0, str(ROOT / "tests"))
import builders  # noqa: E402 - the test builders live outside the package; reuse their small world

SEED = 20240601
N_PAYLOADS = 512
TOKEN_USER = "agent"  # a 12345 hotline agent: staff, city-wide scope, sees personal data

# (category, divisions it is reported in, titles, contents); division choice drives routing to street/district.
_SCENARIOS: list[tuple[str, list[str], list[str], list[str]]] = [
    ("010101", [builders.STREET, builders.OTHER_STREET, builders.DISTRICT],
     ["小区门口占道经营", "早餐摊占用人行道", "夜市摊贩堵塞消防通道"],
     ["每天晚上有摊贩在小区门口占道经营，影响通行，请处理。", "早上七点到九点摊位摆满人行道，行人只能走机动车道。"]),
    ("010201", [builders.DISTRICT, builders.STREET, builders.OTHER_DISTRICT],
     ["垃圾清运不及时", "垃圾桶满溢无人处理", "建筑垃圾堆放路边"],
     ["小区垃圾桶已经三天没有清运，气味很大，蚊蝇滋生。", "路边堆了大量装修垃圾，影响环境，希望尽快清理。"]),
    ("020101", [builders.DISTRICT, builders.STREET, builders.OTHER_STREET],
     ["物业不作为", "物业乱收停车费", "电梯长期故障物业不修"],
     ["物业公司对业主报修长期不处理，电梯停运两周。", "物业擅自提高停车费且不公示收费依据，请相关部门核查。"]),
    ("030101", [builders.STREET, builders.DISTRICT, builders.OTHER_STREET],
     ["井盖缺失", "井盖破损有安全隐患", "雨水井盖移位"],
     ["路口井盖缺失，夜间非常危险，已有电动车摔倒。", "人行道上井盖破裂下陷，老人小孩经过容易受伤。"]),
    ("040101", [builders.CITY, builders.DISTRICT],
     ["多部门职责交叉问题", "河道边违建归属不清"],
     ["河道边违章搭建，城管和水利都说不归自己管，请协调处理。", "公园围墙倒塌，园林和街道互相推诿。"]),
]
_CHANNELS = ["hotline", "hotline", "hotline", "web", "app", "grid", "iot", "letter"]
_APPEALS = ["complain", "complain", "help", "report", "suggest", "consult", "event"]
_NAMES = ["张三", "李四", "王芳", "陈伟", "刘洋", "赵敏"]


def payloads(n: int, seed: int = SEED) -> list[dict[str, Any]]:
    """Varied, valid intake payloads (all with a leaf category, so each one is routed)."""
    rnd = random.Random(seed)
    out = []
    for i in range(n):
        category, divisions, titles, contents = rnd.choice(_SCENARIOS)
        body: dict[str, Any] = {
            "channel": rnd.choice(_CHANNELS), "appeal_type": rnd.choice(_APPEALS),
            "title": rnd.choice(titles), "content": rnd.choice(contents) + f"（编号{i}）",
            "category_code": category,
            "location": {"address": f"杭州市某路{rnd.randint(1, 999)}号", "division_code": rnd.choice(divisions)},
        }
        if rnd.random() < 0.85:  # most callers leave a name and phone; some give an ID number too
            reporter = {"name": rnd.choice(_NAMES), "phone": f"138{rnd.randint(0, 99_999_999):08d}"}
            if rnd.random() < 0.3:
                reporter["id_number"] = f"33010619{rnd.randint(70, 99)}0101{rnd.randint(0, 9999):04d}"
            body["reporter"] = reporter
        if rnd.random() < 0.6:
            body["location"].update(lng=round(120.1 + rnd.random() / 10, 6), lat=round(30.2 + rnd.random() / 10, 6))
        if rnd.random() < 0.3:
            body["tags"] = rnd.sample(["夜间", "重复来电", "安全隐患", "老年人"], k=rnd.randint(1, 2))
        if rnd.random() < 0.2:
            body["attachments"] = [{"name": "photo.jpg", "content_type": "image/jpeg", "size": rnd.randint(1, 10**6),
                                    "url": f"/files/{rnd.getrandbits(64):016x}.jpg"}]
        if rnd.random() < 0.1:
            body["external_id"] = f"EXT-{i:06d}"
            body["source_system"] = "12345-gov"
        out.append(body)
    return out


# ----------------------------------------------------------------------------- load phases (child process)


@dataclass
class Load:
    """What one load phase is told to do; picklable for the child process."""

    clients: int
    seconds: float | None
    cases: int | None
    warmup: float
    stagger: float = 0.0


@dataclass
class LoadResult:
    """Per-operation latencies (seconds) of the measured window and its wall/CPU time."""

    latencies: list[float] = field(default_factory=list)
    wall: float = 0.0
    cpu: float = 0.0
    errors: int = 0
    first_error: str = ""
    warmup_ops: int = 0


class _Budget:
    """Stop condition shared by the clients: a deadline or a number of operations."""

    def __init__(self, seconds: float | None, cases: int | None) -> None:
        self.deadline = time.perf_counter() + seconds if seconds else float("inf")
        self.tickets = itertools.count() if cases else None
        self.cases = cases or 0

    def take(self) -> bool:
        if self.tickets is not None:
            return next(self.tickets) < self.cases  # next() on a count is atomic under the GIL
        return time.perf_counter() < self.deadline


# Every case is filed with its own Idempotency-Key, as a client that retries safely does, so the bench pays for the
# key's lock and record; the key is written into this slot of the prepared request as it is sent.
KEY_SLOT = b"@KEY@"
_keys = itertools.count()  # next() is atomic under the GIL


def _http_requests(base_url: str, token: str, bodies: list[bytes]) -> list[bytes]:
    host = base_url.split("://", 1)[1]
    return [(f"POST /api/v1/cases HTTP/1.1\r\nHost: {host}\r\nAuthorization: Bearer {token}\r\n"
             f"Content-Type: application/json\r\nAccept: application/json\r\nContent-Length: {len(b)}\r\n"
             "Idempotency-Key: ").encode() + KEY_SLOT + b"\r\n\r\n" + b for b in bodies]


def _with_key(request: bytes) -> bytes:
    return request.replace(KEY_SLOT, b"bench-%d" % next(_keys), 1)


async def _raw_client(conn: tuple[asyncio.StreamReader, asyncio.StreamWriter], requests: list[bytes],
                      offset: int, budget: _Budget, out: LoadResult) -> int:
    # A minimal HTTP/1.1 keep-alive client: uvicorn always answers with Content-Length, and the point is
    # to spend as little of the shared CPU as possible generating load. Returns where it stopped.
    reader, writer = conn
    i = offset
    while budget.take():
        start = time.perf_counter()
        writer.write(_with_key(requests[i % len(requests)]))
        head = await reader.readuntil(b"\r\n\r\n")
        length = 0
        for line in head.split(b"\r\n"):
            if line[:15].lower() == b"content-length:":
                length = int(line[15:])
        body = await reader.readexactly(length)
        out.latencies.append(time.perf_counter() - start)
        if head[9:12] != (b"200" if requests[0].startswith(b"GET") else b"201"):
            out.errors += 1
            out.first_error = out.first_error or (head[:12] + b" " + body[:300]).decode(errors="replace")
        i += 1
    return i


def _run_raw(targets: list[tuple[str, list[bytes]]], load: Load) -> LoadResult:
    """Client c talks to target c mod len(targets) (one server, or several nodes sharing the load)."""
    step = len(targets[0][1]) // load.clients

    async def main() -> LoadResult:
        warm, warm_budget = LoadResult(), _Budget(load.warmup, None)

        async def open_and_warm(c: int) -> tuple[asyncio.StreamReader, asyncio.StreamWriter, int]:
            # Connections open one by one while the earlier ones already load the server: uvicorn's workers
            # share one listening socket and each accepts greedily, so a burst of connects lands on one worker.
            await asyncio.sleep(c * load.stagger)
            base_url, requests = targets[c % len(targets)]
            host, port = base_url.split("://", 1)[1].split(":")
            reader, writer = await asyncio.open_connection(host, int(port))
            return reader, writer, await _raw_client((reader, writer), requests, c * step, warm_budget, warm)

        conns = await asyncio.gather(*(open_and_warm(c) for c in range(load.clients)))
        out, budget = LoadResult(), _Budget(load.seconds, load.cases)
        cpu0, wall0 = time.process_time(), time.perf_counter()
        await asyncio.gather(*(_raw_client((r, w), targets[c % len(targets)][1], i, budget, out)
                               for c, (r, w, i) in enumerate(conns)))
        out.wall, out.cpu = time.perf_counter() - wall0, time.process_time() - cpu0
        out.warmup_ops = len(warm.latencies)
        for _r, w, _i in conns:
            w.close()
        return out

    return asyncio.run(main())


def _run_httpx(base_url: str, token: str, bodies: list[bytes], load: Load) -> LoadResult:
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}

    def client(c: int, budget: _Budget, out: LoadResult, http: httpx.Client) -> None:
        for i in itertools.count(c * (len(bodies) // load.clients)):
            if not budget.take():
                return
            start = time.perf_counter()
            resp = http.post("/api/v1/cases", content=bodies[i % len(bodies)],
                             headers={"Idempotency-Key": f"bench-{next(_keys)}"})
            out.latencies.append(time.perf_counter() - start)  # list.append is atomic under the GIL
            if resp.status_code != 201:
                out.errors += 1
                out.first_error = out.first_error or f"{resp.status_code} {resp.text[:300]}"

    clients = [httpx.Client(base_url=base_url, headers=headers, timeout=60) for _ in range(load.clients)]
    try:
        def warm_client(c: int, budget: _Budget, out: LoadResult) -> None:
            time.sleep(c * load.stagger)  # connect one by one (see _run_raw)
            client(c, budget, out, clients[c])

        warm = _threaded(warm_client, Load(load.clients, load.warmup, None, 0))
        result = _threaded(lambda c, b, o: client(c, b, o, clients[c]), load)
        result.warmup_ops = len(warm.latencies)
        return result
    finally:
        for http in clients:
            http.close()


def _threaded(work: Callable[[int, _Budget, LoadResult], None], load: Load) -> LoadResult:
    out = LoadResult()

    def run() -> None:
        budget = _Budget(load.seconds, load.cases)
        threads = [threading.Thread(target=work, args=(c, budget, out)) for c in range(load.clients)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()

    cpu0, wall0 = time.process_time(), time.perf_counter()
    run()
    out.wall, out.cpu = time.perf_counter() - wall0, time.process_time() - cpu0
    return out


def http_phase(base_url: str, token: str, bodies: list[bytes], load: Load, client: str) -> LoadResult:
    """Child-process entry: POST intake payloads from `load.clients` concurrent keep-alive connections."""
    if client == "httpx":
        return _run_httpx(base_url, token, bodies, load)
    return _run_raw([(base_url, _http_requests(base_url, token, bodies))], load)


def web_stack_phase(base_url: str, token: str, load: Load) -> LoadResult:
    """Child-process entry: the same clients asking `GET /api/v1/me` (token check, a session, one small query):
    what the web stack itself serves on this machine, the ceiling any endpoint with a database session meets."""
    host = base_url.split("://", 1)[1]
    request = (f"GET /api/v1/me HTTP/1.1\r\nHost: {host}\r\nAuthorization: Bearer {token}\r\n"
               "Accept: application/json\r\n\r\n").encode()
    return _run_raw([(base_url, [request] * load.clients)], load)


def nodes_phase(base_urls: list[str], token: str, bodies: list[bytes], load: Load) -> LoadResult:
    """Child-process entry: the same load spread over several app nodes (client c → node c mod N)."""
    return _run_raw([(url, _http_requests(url, token, bodies)) for url in base_urls], load)


# Column order of the bare insert; every NOT NULL column of `cases` plus the nullable ones intake fills.
_COLUMNS = (
    "lookup_code", "external_id", "source_system", "channel", "appeal_type", "title", "content",
    "reporter_name", "reporter_phone", "reporter_id_number", "reporter_phone_index", "address", "lng", "lat",
    "division_code", "grid_code", "category_code", "taxonomy_version_id", "grade", "escalation_level", "unit_id",
    "state", "sign_limit", "sign_unit", "handle_limit", "handle_unit", "received_at", "dispatch_deadline",
    "dispatched_at", "sign_deadline", "deadline", "extension_count", "urge_count", "auto_urge_count",
    "reopen_count", "reassign_count", "card", "suggestions", "tags", "attachments", "row_version", "created_at",
    "updated_at",
)
_TIME_COLUMNS = ("received_at", "created_at", "updated_at")  # filled with "now" per row


@dataclass
class BareRow:
    """A case row template: fixed values plus deadlines as offsets from the receipt time."""

    values: dict[str, Any]
    offsets: dict[str, timedelta]


def _insert_sql(kind: str) -> str:
    mark = "?" if kind == "sqlite" else "%s"
    return f"INSERT INTO cases ({', '.join(_COLUMNS)}) VALUES ({', '.join([mark] * len(_COLUMNS))})"


def _row(kind: str, template: BareRow, number: str) -> tuple[Any, ...]:
    now = datetime.now(UTC)
    stamps: dict[str, Any] = {c: now + d for c, d in template.offsets.items()} | dict.fromkeys(_TIME_COLUMNS, now)
    if kind == "sqlite":  # SQLAlchemy's SQLite DateTime: naive UTC text
        stamps = {c: v.replace(tzinfo=None).strftime("%Y-%m-%d %H:%M:%S.%f") for c, v in stamps.items()}
    # The tag goes into external_id: intake writes that column too, so the row shape stays the same.
    values = template.values | stamps | {"external_id": number}
    return tuple(values.get(c) for c in _COLUMNS)


def bare_phase(kind: str, target: str, templates: list[BareRow], load: Load) -> LoadResult:
    """Child-process entry: one single-row INSERT + COMMIT per case from `load.clients` connections."""
    sql = _insert_sql(kind)
    connections = [_connect(kind, target) for _ in range(load.clients)]
    tag = itertools.count()

    def client(c: int, budget: _Budget, out: LoadResult) -> None:
        conn = connections[c]
        cur = conn.cursor()
        for i in itertools.count(c * (len(templates) // load.clients)):
            if not budget.take():
                return
            start = time.perf_counter()
            try:
                cur.execute(sql, _row(kind, templates[i % len(templates)], f"B{next(tag):012d}"))
                conn.commit()
            except Exception as exc:  # count and carry on, like an HTTP error in the intake phase
                conn.rollback()
                out.errors += 1
                out.first_error = out.first_error or repr(exc)[:300]
            out.latencies.append(time.perf_counter() - start)

    try:
        warm = _threaded(client, Load(load.clients, load.warmup, None, 0))
        result = _threaded(client, load)
        result.warmup_ops = len(warm.latencies)
        return result
    finally:
        for conn in connections:
            conn.close()


def _connect(kind: str, target: str) -> Any:
    if kind == "sqlite":
        import sqlite3

        conn = sqlite3.connect(target, timeout=30, check_same_thread=False)
        # The same pragmas as the application's engine (kit/db.py).
        for pragma in ("journal_mode=WAL", "synchronous=NORMAL", "busy_timeout=30000", "foreign_keys=ON"):
            conn.execute(f"PRAGMA {pragma}")
        return conn
    import psycopg
    from psycopg.types.json import set_json_dumps

    set_json_dumps(lambda v: json.dumps(v, ensure_ascii=False))
    return psycopg.connect(target)


# ----------------------------------------------------------------------------- set-up and in-process parts


def setup_world(tmp: Path) -> None:
    """Divisions, units, users and the taxonomy of the test builders, through the services."""
    from cityloop.kit.db import session_scope

    with session_scope() as session:
        builders.build_world(session, tmp)


def login(base_url: str) -> str:
    """A bearer token for the hotline agent (the only argon2 verification of the run)."""
    resp = httpx.post(base_url + "/api/v1/auth/token", data={"username": TOKEN_USER, "password": builders.PASSWORD})
    resp.raise_for_status()
    return str(resp.json()["access_token"])


def bare_templates(kind: str, bodies: list[dict[str, Any]]) -> list[BareRow]:
    """Rows shaped as intake writes them (routing, deadlines and encryption done beforehand, off the clock)."""
    from cityloop.cases import repository as repo
    from cityloop.cases import routing
    from cityloop.cases.calendar_source import calendar
    from cityloop.cases.schemas import CaseIn
    from cityloop.config import get_settings
    from cityloop.kit.calendar import LimitUnit
    from cityloop.kit.crypto import blind_index, encrypt
    from cityloop.kit.db import session_scope

    def js(value: Any) -> Any:
        if kind == "sqlite":
            return json.dumps(value, ensure_ascii=False)
        from psycopg.types.json import Json

        return Json(value)

    out = []
    with session_scope() as session:
        version = repo.active_version(session)
        assert version is not None
        cal = calendar(session)
        for raw in bodies:
            data = CaseIn.model_validate(raw)
            division = data.location.division_code or get_settings().city_code
            route = routing.route(session, version.id, data.category_code, division, data.appeal_type)
            t0 = datetime.now(UTC)
            offsets = {"dispatch_deadline": timedelta(minutes=get_settings().dispatch_limit_minutes),
                       "deadline": cal.add(t0, route.handle_limit, LimitUnit(route.handle_unit)) - t0}
            if route.unit_id is not None:
                offsets["dispatched_at"] = timedelta(0)
                offsets["sign_deadline"] = cal.add(t0, route.sign_limit, LimitUnit(route.sign_unit)) - t0
            values = {
                "lookup_code": "".join(random.choices("ABCDEFGHJKLMNPQRSTUVWXYZ23456789", k=6)),
                "external_id": data.external_id, "source_system": data.source_system or "",
                "channel": str(data.channel), "appeal_type": str(data.appeal_type), "title": data.title,
                "content": data.content, "reporter_name": encrypt(data.reporter.name),
                "reporter_phone": encrypt(data.reporter.phone), "reporter_id_number": encrypt(data.reporter.id_number),
                "reporter_phone_index": blind_index(data.reporter.phone), "address": data.location.address or "",
                "lng": data.location.lng, "lat": data.location.lat, "division_code": division,
                "grid_code": data.location.grid_code, "category_code": data.category_code,
                "taxonomy_version_id": version.id, "grade": data.grade or route.grade, "escalation_level": 0,
                "unit_id": route.unit_id, "state": "dispatched" if route.unit_id is not None else "received",
                "sign_limit": route.sign_limit, "sign_unit": route.sign_unit, "handle_limit": route.handle_limit,
                "handle_unit": route.handle_unit, "extension_count": 0, "urge_count": 0, "auto_urge_count": 0,
                "reopen_count": 0, "reassign_count": 0, "card": "none",
                "suggestions": js({"route": route.reason}), "tags": js(data.tags),
                "attachments": js([a.model_dump() for a in data.attachments]), "row_version": 1,
            }
            out.append(BareRow(values, offsets))
    return out


def route_deadline_bench(bodies: list[dict[str, Any]], iterations: int) -> list[float]:
    """Seconds per routing.route + calendar lookup + WorkCalendar.add (handle, and sign when dispatched)."""
    from cityloop.cases import repository as repo
    from cityloop.cases import routing
    from cityloop.cases.calendar_source import calendar
    from cityloop.kit.calendar import LimitUnit
    from cityloop.kit.clock import utcnow
    from cityloop.kit.db import session_scope

    inputs = [(b["category_code"], b["location"]["division_code"], b["appeal_type"]) for b in bodies]
    timings = []
    with session_scope() as session:
        version = repo.active_version(session)
        assert version is not None
        for i in range(iterations + len(inputs)):  # the first pass over the inputs warms the caches, untimed
            category, division, appeal = inputs[i % len(inputs)]
            start = time.perf_counter()
            route = routing.route(session, version.id, category, division, appeal)
            cal = calendar(session)
            received = utcnow()
            cal.add(received, route.handle_limit, LimitUnit(route.handle_unit))
            if route.unit_id is not None:
                cal.add(received, route.sign_limit, LimitUnit(route.sign_unit))
            if i >= len(inputs):
                timings.append(time.perf_counter() - start)
    return timings


def count_cases() -> int:
    """Rows in `cases` now."""
    from sqlalchemy import func, select

    from cityloop.cases.models import Case
    from cityloop.kit.db import session_scope

    with session_scope() as session:
        return int(session.scalar(select(func.count()).select_from(Case)) or 0)


# ----------------------------------------------------------------------------- main


def _watch_spread(pid: int, port: int, warmup: float, done: threading.Event, spread: list[int]) -> None:
    """Keep the fullest per-worker connection count seen after the warm-up (connections persist till the end)."""
    done.wait(warmup)
    while not done.wait(0.5):
        sample = connections_per_process(pid, port)
        if sum(sample) > sum(spread):
            spread[:] = sample


def _ms(seconds: float) -> float:
    return round(seconds * 1000, 3)


def _rate(result: LoadResult) -> float:
    return round(len(result.latencies) / result.wall, 1) if result.wall else 0.0


def run(args: argparse.Namespace) -> dict[str, Any]:
    """All three phases on one fresh database; the figures."""
    kind = args.database
    workers = args.workers or (2 if kind == "postgresql" else 1)
    load = Load(args.clients, None if args.cases else args.seconds, args.cases, args.warmup, args.stagger)
    bodies = payloads(N_PAYLOADS)
    encoded = [json.dumps(b, ensure_ascii=False).encode() for b in bodies]
    figures: dict[str, Any] = {"database": kind, "clients": args.clients, "workers": workers, "client": args.client}
    spawn = get_context("spawn")
    with tempfile.TemporaryDirectory(prefix="cityloop-bench-var-") as tmp, \
            fresh_database(kind, args.pg_admin_url) if not args.database_url else nullcontext(args.database_url) as url:
        var_dir = Path(tmp) / "var"
        migrate(url, var_dir)
        setup_world(Path(tmp))
        before_http = count_cases()

        with running_server(url, var_dir, workers) as server, ProcessPoolExecutor(1, mp_context=spawn) as pool:
            token = login(server.base_url)
            pool.submit(time.sleep, 0).result()  # start the child before the clock runs
            port = int(server.base_url.rsplit(":", 1)[1])
            spread: list[int] = []
            done = threading.Event()
            probe = threading.Thread(target=_watch_spread, args=(server.pid, port, args.warmup, done, spread))
            cpu0, host0 = tree_cpu_seconds(server.pid), host_cpu_times()
            probe.start()
            http = pool.submit(http_phase, server.base_url, token, encoded, load, args.client).result()
            server_cpu, host1 = tree_cpu_seconds(server.pid) - cpu0, host_cpu_times()
            done.set()
            probe.join()
            stack_cpu0 = tree_cpu_seconds(server.pid)
            stack = pool.submit(web_stack_phase, server.base_url, token, load).result()
            stack_cpu = tree_cpu_seconds(server.pid) - stack_cpu0
        created = count_cases() - before_http

        timings = route_deadline_bench(bodies, args.route_iterations)
        templates = bare_templates(kind, bodies)
        target = sqlite_path(url) if kind == "sqlite" else dbapi_dsn(url)
        with ProcessPoolExecutor(1, mp_context=spawn) as pool:
            pool.submit(time.sleep, 0).result()
            bare = pool.submit(bare_phase, kind, target, templates, load).result()

    n = len(http.latencies)
    figures.update({
        "seconds": round(http.wall, 2), "cases": n, "errors": http.errors, "warmup_cases": http.warmup_ops,
        "cases_created": created,  # rows the HTTP phase left in `cases`: warmup + measured, minus failures
        "intake_per_s": _rate(http),
        "intake_p50_ms": _ms(percentile(http.latencies, 50)),
        "intake_p90_ms": _ms(percentile(http.latencies, 90)),
        "intake_p99_ms": _ms(percentile(http.latencies, 99)),
        "intake_max_ms": _ms(max(http.latencies, default=0.0)),
        "bare_insert_per_s": _rate(bare),
        "bare_insert_p50_ms": _ms(percentile(bare.latencies, 50)),
        "bare_insert_p99_ms": _ms(percentile(bare.latencies, 99)),
        "bare_insert_errors": bare.errors,
        "intake_vs_bare_ratio": round(_rate(http) / _rate(bare), 3) if _rate(bare) else None,
        "route_deadline_p50_ms": _ms(percentile(timings, 50)),
        "route_deadline_p99_ms": _ms(percentile(timings, 99)),
        # Connections held by each server process during the measured window (uneven = idle workers).
        "server_connections_per_worker": spread,
        "server_cpu_ms_per_case": _ms(server_cpu / (n + http.warmup_ops)) if n else None,  # window incl. warm-up
        "loadgen_cpu_ms_per_case": _ms(http.cpu / n) if n else None,
        "bare_loadgen_cpu_ms_per_case": _ms(bare.cpu / len(bare.latencies)) if bare.latencies else None,
        "host_cpu_busy_ratio": round(host_busy_ratio(host0, host1), 3),
        # The web stack's own ceiling on this machine (GET /api/v1/me through the same server and clients).
        "web_stack_per_s": _rate(stack),
        "web_stack_p99_ms": _ms(percentile(stack.latencies, 99)),
        "web_stack_server_cpu_ms_per_request": _ms(stack_cpu / (len(stack.latencies) + stack.warmup_ops))
        if stack.latencies else None,
        "intake_vs_web_stack_ratio": round(_rate(http) / _rate(stack), 3) if _rate(stack) else None,
        "web_stack_errors": stack.errors,
    })
    if http.first_error or bare.first_error:
        figures["first_error"] = http.first_error or bare.first_error
    return figures


def main() -> None:
    """Parse options, run, print the JSON object."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database", choices=["sqlite", "postgresql"], default="sqlite")
    parser.add_argument("--database-url", default="",
                        help="an EXISTING EMPTY database to use instead of a fresh one (it is migrated and kept); "
                        "--database must name its kind")
    parser.add_argument("--pg-admin-url", default="postgresql+psycopg://postgres@127.0.0.1:5432/postgres",
                        help="where to CREATE/DROP the fresh PostgreSQL database")
    parser.add_argument("--clients", type=int, default=16, help="concurrent clients in both load phases")
    budget = parser.add_mutually_exclusive_group()
    budget.add_argument("--seconds", type=float, default=10.0, help="length of each measured load phase")
    budget.add_argument("--cases", type=int, default=None, help="cases per load phase instead of --seconds")
    parser.add_argument("--warmup", type=float, default=2.0, help="seconds of untimed load before each phase")
    parser.add_argument("--stagger", type=float, default=0.05,
                        help="seconds between opening two client connections during warm-up (0: all at once)")
    parser.add_argument("--workers", type=int, default=None, help="uvicorn workers (default 2 on PG, 1 on SQLite)")
    parser.add_argument("--client", choices=["raw", "httpx"], default="raw",
                        help="raw: minimal asyncio HTTP/1.1 client (least CPU); httpx: one httpx.Client per thread")
    parser.add_argument("--route-iterations", type=int, default=20_000)
    args = parser.parse_args()
    if args.database_url:
        args.database = "sqlite" if args.database_url.startswith("sqlite") else "postgresql"
    emit(run(args))


if __name__ == "__main__":
    main()
