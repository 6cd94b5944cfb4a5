"""Costs of the hardening checks: the /files/<name> case lookup and one rate-limit hit (memory and Redis).

Attachment lookup: on a fresh database holding `--cases` cases (one filed through intake, the rest copies with
their own photo), time `case_holding_file` for the newest case's photo, for a dispatcher of the city (sees it)
and of another district (may not), against the baseline `get_case` by id. Rate limits: microseconds per `hit`
with the in-process and the Redis limiter, against a bare Redis PING round trip.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))

from _common import emit, fresh_database, migrate, percentile  # noqa: E402

import builders  # noqa: E402 - the test builders live outside the package; reuse their small world


def _time_ms(fn: object, repeat: int) -> float:
    """Median milliseconds of `repeat` calls."""
    samples = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()  # type: ignore[operator]
        samples.append((time.perf_counter() - start) * 1000)
    return round(percentile(samples, 50), 3)


def _fill(session: object, world: builders.World, cases: int) -> tuple[int, str]:
    """One case through intake, then copies each holding its own photo (bulk: the file index rows are added here)."""
    from sqlalchemy import insert, select

    from cityloop.cases.models import Case, CaseFile

    first = builders.file_case(session, world.subjects["agent"])  # type: ignore[arg-type]
    row = dict(session.execute(select(Case.__table__).where(Case.id == first.id)).mappings().one())  # type: ignore[attr-defined]
    copies, files = [], []
    for case_id in range(first.id + 1, first.id + cases):
        name = f"{uuid.uuid4().hex}.jpg"
        photo = {"name": "p.jpg", "content_type": "image/jpeg", "size": 100, "url": f"/files/{name}"}
        copies.append({**row, "id": case_id, "idempotency_key": None, "attachments": [photo]})
        files.append({"name": name, "case_id": case_id})
    for start in range(0, len(copies), 5000):
        session.execute(insert(Case), copies[start:start + 5000])  # type: ignore[attr-defined]
        session.execute(insert(CaseFile), files[start:start + 5000])  # type: ignore[attr-defined]
    session.commit()  # type: ignore[attr-defined]
    return copies[-1]["id"], files[-1]["name"]


def attachments(kind: str, cases: int, repeat: int) -> dict[str, float]:
    """Lookup timings on one fresh database."""
    from cityloop.cases import repository as repo
    from cityloop.kit.db import get_sessionmaker

    with fresh_database(kind) as url, tempfile.TemporaryDirectory() as tmp:
        migrate(url, Path(tmp) / "var")
        session = get_sessionmaker()()
        world = builders.build_world(session, Path(tmp))
        newest, name = _fill(session, world, cases)
        city, other = world.subjects["dispatcher"], world.subjects["other_dispatcher"]
        figures = {
            f"{kind}_get_case_ms": _time_ms(lambda: repo.get_case(session, city, newest), repeat),
            f"{kind}_file_lookup_city_ms": _time_ms(lambda: repo.case_holding_file(session, city, name),
                                                    repeat),
            f"{kind}_file_lookup_other_district_ms": _time_ms(
                lambda: repo.case_holding_file(session, other, name), repeat),
        }
        session.close()
        figures[f"{kind}_file_lookup_ratio"] = round(figures[f"{kind}_file_lookup_city_ms"]
                                                     / figures[f"{kind}_get_case_ms"], 1)
        from cityloop.kit.db import reset_engine

        reset_engine()
        return figures


def limits(hits: int) -> dict[str, float]:
    """Microseconds per hit of each limiter, and a Redis PING for comparison."""
    import redis

    from cityloop.kit.ratelimit import Limit, MemoryLimiter, RedisLimiter

    client = redis.Redis.from_url("redis://127.0.0.1:6379/0")
    limit = Limit("bench", 10**9, 60)
    shared = RedisLimiter(client, prefix=f"bench:{uuid.uuid4().hex}:")
    memory = MemoryLimiter()
    out = {}
    for name, fn in (("redis_ping_us", client.ping), ("memory_hit_us", lambda: memory.hit("1.2.3.4", limit)),
                     ("redis_hit_us", lambda: shared.hit("1.2.3.4", limit))):
        start = time.perf_counter()
        for _ in range(hits):
            fn()
        out[name] = round((time.perf_counter() - start) / hits * 1e6, 1)
    out["redis_hit_ratio"] = round(out["redis_hit_us"] / out["redis_ping_us"], 2)
    return out


def main() -> None:
    """Parse options, measure, print one JSON object."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--database", choices=["sqlite", "postgresql", "both"], default="sqlite")
    parser.add_argument("--cases", type=int, default=50_000)
    parser.add_argument("--repeat", type=int, default=20)
    parser.add_argument("--hits", type=int, default=5_000)
    args = parser.parse_args()
    figures: dict[str, float | int] = {"cases": args.cases}
    for kind in (["sqlite", "postgresql"] if args.database == "both" else [args.database]):
        figures.update(attachments(kind, args.cases, args.repeat))
    figures.update(limits(args.hits))
    emit(figures)


if __name__ == "__main__":
    main()
