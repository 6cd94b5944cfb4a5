"""Province scale: KPIs, queues, full-text search and the cockpit over N cases (default 10 M); ONE JSON object.

The data set is generated with COPY on PostgreSQL (executemany on SQLite): cases over the year before today across
the demo city's districts, streets, units, categories and channels, in every state of the loop, 5–8 events per
case, then the KPI rollups are built. `--database-url` pointing at a database that already holds cases reuses it
(generation takes minutes at 10 M). Each figure is printed next to its baseline measured in the same run:
KPIs without rollups (counting the cases), queue pages with OFFSET and an exact count, search with LIKE, the
cockpit with rollups switched off.
"""

from __future__ import annotations

import argparse
import os
import random
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from typing import Any

from _common import emit, median_ms, percentile
from kpi import (
    CITY,
    COLUMNS,
    DISTRICTS,
    _lifecycle,
    _use_database,
    analyse,
    copy_pg,
    fresh_database,
    seed_places,
)
from sqlalchemy import create_engine, func, select, text
from sqlalchemy.engine import Engine

DEFAULT_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/cityloop_scale"
PHRASES = ["占道经营", "夜间施工噪音", "井盖缺失", "垃圾清运不及时", "路灯不亮", "小区停车难", "共享单车乱停",
           "油烟扰民", "违章搭建", "道路破损", "积水严重", "树木倒伏", "广告牌松动", "物业服务差", "电梯故障",
           "供暖不热", "水压不足", "燃气异味", "宠物扰民", "广场舞噪音", "渣土车撒漏", "工地扬尘", "河道垃圾",
           "公交站台损坏", "消防通道堵塞", "楼道堆物", "外墙脱落", "窨井冒水", "绿化带毁损", "非机动车道被占"]
PLACES = ["文三路", "学院路", "西溪路", "天目山路", "莫干山路", "湖墅南路", "凤起路", "解放路", "钱江路", "江南大道"]
SEARCHES = ["占道", "噪音", "井盖缺失", "路灯", "渣土车", "消防通道", "电梯故障", "积水", "油烟", "文三路 噪音"]
EVENT_ACTIONS = ["receive", "dispatch", "sign", "note", "urge", "complete", "verify", "revisit", "close"]
BATCH = 20_000


def _text(rnd: random.Random) -> tuple[str, str]:
    first, second = rnd.sample(PHRASES, 2)
    place = rnd.choice(PLACES)
    title = f"{place}{first}"
    content = f"{place}附近{first}，{second}，已持续多日，影响居民生活，请尽快处理。"
    return title, content


def generated_cases(n: int, units: dict[tuple[str, str], int], now: datetime,
                    seed: int = 11) -> Iterator[tuple[Any, ...]]:
    """N case rows (the KPI bench's life cycles) with varied texts and search terms, routed as a city would:
    street matters to the street office, the rest to the district's 城管 or 住建 bureau by category; the
    warning card each one's timing earned; callers (blind phone index) of whom some call often, 15 % anonymous."""
    from functools import lru_cache

    from cityloop.cases.fulltext.grams import grams
    from cityloop.kit.crypto import blind_index

    terms = lru_cache(maxsize=None)(grams)  # a few thousand distinct texts: compute each one's terms once
    phone_index = lru_cache(maxsize=None)(lambda k: blind_index(f"139{k:08d}"))
    rnd = random.Random(seed)
    first, step = now - timedelta(days=365), 365 * 86400 / n
    # A city's callers: 15 % anonymous, 30 % of cases from frequent callers (one in 200 of the rest, about 60 cases
    # each), the other cases from a large pool where most call once or twice.
    callers, frequent = max(n // 2, 1), max(n // 200, 1)
    for i in range(n):
        received = first + timedelta(seconds=(i + rnd.random()) * step)
        row = list(_lifecycle(rnd, received, now, 0))
        street, category = row[7], row[8]
        kind = ("street_office", street) if category < "03" else \
            ("chengguan" if category < "05" else "zhujian", street[:6])
        row[11] = units[kind] if row[11] is not None else None
        row[4], row[5] = _text(rnd)
        row[CARD] = _card(received, row[DEADLINE], row[COMPLETED] or now)
        draw = rnd.random()
        caller = None if draw < 0.15 else rnd.randrange(frequent) if draw < 0.45 else rnd.randrange(callers)
        yield (*row, terms(f"{row[4]} {row[5]}"), phone_index(caller) if caller is not None else None)


CARD, DEADLINE, COMPLETED = COLUMNS.index("card"), COLUMNS.index("deadline"), COLUMNS.index("completed_at")


def _card(received: datetime, deadline: datetime, end: datetime) -> str:
    """The warning card the SLA sweep leaves: yellow past 80 % of the time allowed, red once late."""
    used = (end - received) / (deadline - received)
    return "red" if used > 1 else "yellow" if used > 0.8 else "none"


def load(engine: Engine, rows: Iterator[tuple[Any, ...]]) -> int:
    """COPY (PostgreSQL) or executemany (SQLite) the rows into cases."""
    columns = [*COLUMNS, "search_grams", "reporter_phone_index"]
    count = 0
    if engine.dialect.name == "postgresql":
        return copy_pg(engine, rows, columns)
    marks = ", ".join(f":{c}" for c in columns)
    stmt = text(f"INSERT INTO cases ({', '.join(columns)}) VALUES ({marks})")
    with engine.begin() as conn:
        batch: list[dict[str, Any]] = []
        for row in rows:
            values = dict(zip(columns, row, strict=True))
            for key in ("received_at", "dispatch_deadline", "dispatched_at", "sign_deadline", "signed_at",
                        "deadline", "completed_at", "verified_at", "revisited_at", "closed_at", "created_at",
                        "updated_at"):
                if values[key] is not None:
                    values[key] = values[key].astimezone(UTC).replace(tzinfo=None).isoformat(sep=" ")
            batch.append(values)
            if len(batch) == BATCH:
                conn.execute(stmt, batch)
                count, batch = count + len(batch), []
        if batch:
            conn.execute(stmt, batch)
            count += len(batch)
    return count


def add_events(engine: Engine) -> int:
    """5–8 history events per case, written by the database itself."""
    actions = ", ".join(f"'{a}'" for a in EVENT_ACTIONS)
    if engine.dialect.name == "postgresql":
        sql = ("INSERT INTO case_events (case_id, action, from_state, to_state, actor_id, actor_name, actor_kind, at, "
               f"note, data) SELECT c.id, (ARRAY[{actions}])[g], NULL, c.state, NULL, 'bench', 'system', "
               "c.received_at + g * interval '3 hours', '', '{}'::json "
               "FROM cases c CROSS JOIN LATERAL generate_series(1, 5 + (c.id % 4)) AS g")
    else:
        sql = ("WITH RECURSIVE g(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM g WHERE n < 8) "
               "INSERT INTO case_events (case_id, action, from_state, to_state, actor_id, actor_name, actor_kind, "
               "at, note, data) SELECT c.id, 'note', NULL, c.state, NULL, 'bench', 'system', "
               "datetime(c.received_at, '+' || (g.n * 3) || ' hours'), '', '{}' "
               "FROM cases c JOIN g ON g.n <= 5 + (c.id % 4)")
    with engine.begin() as conn:
        conn.execute(text(sql))
        return int(conn.execute(text("SELECT count(*) FROM case_events")).scalar() or 0)


def build(url: str, n: int, now: datetime) -> dict[str, Any]:
    """A fresh database with N cases, their events and rollups; the seconds each step took."""
    from cityloop.cases.rollups.service import rebuild
    from cityloop.kit.db import get_engine, get_sessionmaker

    fresh_database(url)
    engine = get_engine()
    timings: dict[str, Any] = {}
    start = time.perf_counter()
    seed_places(engine)
    with engine.connect() as conn:
        units = {(t, d): i for i, t, d in conn.execute(text("SELECT id, unit_type, division_code FROM units"))}
    with bulk_mode(engine, timings):
        loaded = load(engine, generated_cases(n, units, now))
        timings["load_cases_s"] = round(time.perf_counter() - start, 1)
        start = time.perf_counter()
        timings["events"] = add_events(engine)
        timings["load_events_s"] = round(time.perf_counter() - start, 1)
    analyse(engine)
    start = time.perf_counter()
    with get_sessionmaker()() as session:
        rebuild(session)
        session.commit()
    timings["rollup_build_s"] = round(time.perf_counter() - start, 1)
    timings["loaded"] = loaded
    if engine.dialect.name == "postgresql":
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(text("VACUUM ANALYZE"))
    return timings


BULK_TABLES = ("cases", "case_events")


@contextmanager
def bulk_mode(engine: Engine, timings: dict[str, Any]) -> Iterator[None]:
    """Load without secondary indexes and foreign keys (PostgreSQL), then build them once: what a DBA does for a
    bulk load, and several times faster than maintaining a dozen indexes (two of them GIN) row by row."""
    if engine.dialect.name != "postgresql":
        yield
        return
    with engine.begin() as conn:
        indexes = conn.execute(text(
            "SELECT i.indexrelid::regclass::text, pg_get_indexdef(i.indexrelid) FROM pg_index i "
            "WHERE i.indrelid = ANY(CAST(:t AS regclass[])) AND NOT i.indisprimary "
            "AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = i.indexrelid)"),
            {"t": list(BULK_TABLES)}).all()
        foreign = conn.execute(text(
            "SELECT conrelid::regclass::text, conname, pg_get_constraintdef(oid) FROM pg_constraint "
            "WHERE contype = 'f' AND (conrelid = ANY(CAST(:t AS regclass[])) "
            "OR confrelid = ANY(CAST(:t AS regclass[])))"),
            {"t": list(BULK_TABLES)}).all()
        for table, name, _definition in foreign:
            conn.execute(text(f'ALTER TABLE {table} DROP CONSTRAINT "{name}"'))
        for name, _definition in indexes:
            conn.execute(text(f"DROP INDEX {name}"))
    yield
    start = time.perf_counter()
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(text("SET maintenance_work_mem = '1GB'"))
        conn.execute(text("SET max_parallel_maintenance_workers = 2"))
        for _name, definition in indexes:
            conn.execute(text(definition))
        for table, name, definition in foreign:
            conn.execute(text(f'ALTER TABLE {table} ADD CONSTRAINT "{name}" {definition}'))
    timings["index_build_s"] = round(time.perf_counter() - start, 1)
    timings["indexes_rebuilt"] = len(indexes)


def p99_ms(calls: list[Callable[[], Any]], repeat: int) -> float:
    """99th percentile over `repeat` rounds of every call (each warmed up once)."""
    for call in calls:
        call()
    times = []
    for _ in range(repeat):
        for call in calls:
            start = time.perf_counter()
            call()
            times.append((time.perf_counter() - start) * 1000)
    return round(percentile(times, 99), 1)


def _set_rollups(mode: str) -> None:
    from cityloop.config import get_settings

    os.environ["CITYLOOP_KPI_ROLLUPS"] = mode
    get_settings.cache_clear()


def measure(repeat: int) -> dict[str, Any]:
    """Every figure of the contract with its baseline."""
    from cityloop.cases import kpi
    from cityloop.cases.rollups.service import refresh
    from cityloop.kit.auth import Role, Subject
    from cityloop.kit.db import get_sessionmaker

    session = get_sessionmaker()()
    refresh(session)  # catch up (and mark the rollups fresh for the cockpit)
    session.commit()
    leader = Subject(id=None, name="bench", roles=frozenset({Role.LEADER}), scope=CITY)
    unit_id = session.scalar(text("SELECT unit_id FROM cases WHERE unit_id IS NOT NULL LIMIT 1"))
    now = datetime.now(UTC)
    month_start = datetime(now.year if now.month > 1 else now.year - 1, now.month - 1 or 12, 1,
                           tzinfo=kpi.LOCAL_TZ)
    month_end = datetime(now.year, now.month, 1, tzinfo=kpi.LOCAL_TZ)
    queries = {"city": kpi.KpiQuery(), "district": kpi.KpiQuery(division_code=DISTRICTS[0]),
               "unit": kpi.KpiQuery(unit_id=unit_id), "month": kpi.KpiQuery(start=month_start, end=month_end)}
    out: dict[str, Any] = {}
    for name, query in queries.items():
        out[f"kpi_{name}_ms"] = median_ms(lambda q=query: kpi.kpi_report(session, leader, q, now, rollups=True),
                                          repeat)
        out[f"kpi_{name}_baseline_ms"] = median_ms(lambda q=query: kpi.kpi_report(session, leader, q, now, live=True),
                                                   max(3, repeat // 4))
        session.rollback()
    out.update(_queues(session, leader, repeat))
    out.update(_search(session, leader, repeat))
    out.update(_cockpit(session, leader, max(3, repeat // 4)))
    session.close()
    return out


def _queues(session: Any, leader: Any, repeat: int) -> dict[str, Any]:
    from cityloop.cases import repository as repo
    from cityloop.cases.models import Case
    from cityloop.kit.auth import Role, Subject

    district = Subject(id=None, name="bench", roles=frozenset({Role.DISPATCHER}), scope=DISTRICTS[1])
    filters = [{"state": ["received"]}, {"state": ["dispatched"]}, {"state": ["handling"]}, {}]
    pages = [(who, f) for who in (leader, district) for f in filters]
    keyset = [lambda w=who, f=f: repo.list_cases(session, w, f, 0, 20) for who, f in pages]

    def old_way(who: Any, f: dict[str, Any], offset: int = 0) -> None:
        stmt = repo._apply_filters(repo.scoped_cases(who), f)
        session.scalar(select(func.count()).select_from(stmt.order_by(None).subquery()))
        list(session.scalars(stmt.order_by(Case.received_at.desc(), Case.id.desc()).offset(offset).limit(20)))

    baseline = [lambda w=who, f=f: old_way(w, f) for who, f in pages]
    deep, _total, _est = repo.list_cases(session, leader, {}, 100_000, 1)
    figures = {"queue_first_page_p99_ms": p99_ms(keyset, repeat),
               "queue_first_page_p99_baseline_ms": p99_ms(baseline, max(3, repeat // 4))}
    if deep:
        after = (deep[0].received_at, deep[0].id)
        figures["queue_deep_page_ms"] = median_ms(lambda: repo.list_cases(session, leader, {}, 0, 20, after=after),
                                                  repeat)
        figures["queue_deep_page_baseline_ms"] = median_ms(lambda: old_way(leader, {}, 100_001), max(3, repeat // 4))
    session.rollback()
    return figures


def _search(session: Any, leader: Any, repeat: int) -> dict[str, Any]:
    from cityloop.cases.models import Case
    from cityloop.cases.repository import scoped_cases
    from cityloop.cases.search.repository import by_words

    def like(words: list[str]) -> None:
        stmt = scoped_cases(leader)
        for word in words:
            stmt = stmt.where(Case.title.contains(word) | Case.content.contains(word))
        list(session.scalars(stmt.order_by(Case.received_at.desc(), Case.id.desc()).limit(20)))

    indexed = [lambda q=q: by_words(session, leader, q.split(), 20) for q in SEARCHES]
    plain = [lambda q=q: like(q.split()) for q in SEARCHES]
    figures = {"search_p99_ms": p99_ms(indexed, repeat), "search_p99_baseline_ms": p99_ms(plain, max(2, repeat // 5))}
    session.rollback()
    return figures


def _cockpit(session: Any, leader: Any, repeat: int) -> dict[str, Any]:
    from cityloop.web.cockpit.data import data

    _set_rollups("on")  # a server's catch-up job keeps them fresh; this long bench run may outlast "fresh"
    fast = median_ms(lambda: data(session, leader, None, "30d", "zh"), repeat)
    session.rollback()
    _set_rollups("off")
    slow = median_ms(lambda: data(session, leader, None, "30d", "zh"), repeat)
    session.rollback()
    _set_rollups("auto")
    return {"cockpit_ms": fast, "cockpit_baseline_ms": slow}


def _existing_cases(url: str) -> int:
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            return int(conn.execute(text("SELECT count(*) FROM cases")).scalar() or 0)
    except Exception:  # no database or no table yet: generate
        return 0
    finally:
        engine.dispose()


def main() -> None:
    """Generate (or reuse), then time; print one JSON object."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=10_000_000)
    parser.add_argument("--database-url", default=None,
                        help=f"reuse this database when it holds cases (default: a fresh {DEFAULT_URL})")
    parser.add_argument("--repeat", type=int, default=20)
    parser.add_argument("--fresh", action="store_true", help="regenerate even if the database holds cases")
    args = parser.parse_args()
    url = args.database_url or DEFAULT_URL
    os.environ["CITYLOOP_RUN_SWEEPER"] = "false"
    existing = 0 if args.fresh or not args.database_url else _existing_cases(url)
    build_figures: dict[str, Any] = {"reused": bool(existing)}
    if existing:
        _use_database(url)
        from cityloop.migrate import upgrade

        upgrade()  # a database generated by an older checkout gets this one's columns
    else:
        build_figures.update(build(url, args.cases, datetime.now(UTC)))
    from cityloop.kit.db import get_engine

    with get_engine().connect() as conn:
        cases = int(conn.execute(text("SELECT count(*) FROM cases")).scalar() or 0)
        events = int(conn.execute(text("SELECT count(*) FROM case_events")).scalar() or 0)
        rollup_rows = int(conn.execute(text("SELECT count(*) FROM case_rollups")).scalar() or 0)
    figures = {"cases": cases, "events": events, "rollup_rows": rollup_rows, "backend": get_engine().dialect.name,
               **build_figures, **measure(args.repeat)}
    for key in [k for k in figures if k.endswith("_ms") and not k.endswith("_baseline_ms")]:
        base = figures.get(key.replace("_ms", "_baseline_ms"))
        if base:
            figures[key.replace("_ms", "_vs_baseline_ratio")] = round(figures[key] / base, 3)
    emit(figures)


if __name__ == "__main__":
    sys.exit(main())
