"""Costs of the hardening checks: the /files/<name> case lookup and one rate-limit hit (memory and Redis).

Attachment lookup: on a fresh database holding `--cases` cases (one filed through intake, the rest copies with
their own photo URL), time `case_holding_file` for a photo of the newest case, for a dispatcher of the city
(sees all) and of another district (sees none: the worst case, the scan finds nothing), against the baseline
`get_case` by id. Rate limits: microseconds per `hit` with the in-process and the Redis limiter, against a bare
Redis PING round trip.
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


def _fill(session: object, world: builders.World, cases: int) -> int:
    from sqlalchemy import insert, select

    from cityloop.cases.models import Case

    first = builders.file_case(session, world.subjects["agent"])  # type: ignore[arg-type]
    row = dict(session.execute(select(Case.__table__).where(Case.id == first.id)).mappings().one())  # type: ignore[attr-defined]
    row.pop("id")
    batch = []
    for n in range(cases - 1):
        photo = {"name": "p.jpg", "content_type": "image/jpeg", "size": 100, "url": f"/files/{uuid.uuid4().hex}.jpg"}
        batch.append({**row, "idempotency_key": None, "attachments": [photo]})
        if len(batch) == 5000 or n == cases - 2:
            session.execute(insert(Case), batch)  # type: ignore[attr-defined]
            batch = []
    session.commit()  # type: ignore[attr-defined]
    return int(session.scalar(select(Case.id).order_by(Case.id.desc()).limit(1)))  # type: ignore[attr-defined]


def attachments(kind: str, cases: int, repeat: int) -> dict[str, float]:
    """Lookup timings on one fresh database."""
    from cityloop.cases import repository as repo
    from cityloop.kit.db import get_sessionmaker

    with fresh_database(kind) as url, tempfile.TemporaryDirectory() as tmp:
        migrate(url, Path(tmp) / "var")
        session = get_sessionmaker()()
        world = builders.build_world(session, Path(tmp))
        newest = _fill(session, world, cases)
        url_of_newest = repo.get_case(session, world.subjects["dispatcher"], newest).attachments[0]["url"]  # type: ignore[union-attr]
        city, other = world.subjects["dispatcher"], world.subjects["other_dispatcher"]
        figures = {
            f"{kind}_get_case_ms": _time_ms(lambda: repo.get_case(session, city, newest), repeat),
            f"{kind}_file_lookup_city_ms": _time_ms(lambda: repo.case_holding_file(session, city, url_of_newest),
                                                    repeat),
            f"{kind}_file_lookup_other_district_ms": _time_ms(
                lambda: repo.case_holding_file(session, other, url_of_newest), repeat),
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
