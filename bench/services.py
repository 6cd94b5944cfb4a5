"""一网通办 figures: guide resolution, search over 20,000 items, application intake vs case intake; ONE JSON object.

All in one fresh, migrated database with the test world and the demo catalogue, in this process:

1. guide: `guides.required_materials` (answers → materials) on the demo items with guides, per call; baseline:
   copying the item's full material list (what a static checklist costs).
2. search: `items.search` over the demo items plus generated ones (20,000 in all) with citizens' phrasings;
   baseline: one plain `name LIKE %q%` query over the same table.
3. intake: POST /api/v1/services/applications as the citizen vs POST /api/v1/cases as an agent, sequentially
   through the ASGI app (TestClient: the HTTP stack without sockets), per request.
"""

from __future__ import annotations

import argparse
import random
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from _common import ROOT, emit, fresh_database, migrate, percentile

sys.path.insert(0, str(ROOT / "tests"))
import builders  # noqa: E402 - the test builders live outside the package; reuse their small world

QUERIES = ["生孩子要办什么", "开饭店", "公积金提取", "退休", "营业执照", "结婚登记", "社保卡", "上户口", "失业金",
           "不动产", "医保报销", "开公司"]
WORDS = ["登记", "许可", "备案", "核发", "变更", "注销", "申领", "补贴", "证明", "审批", "确认", "查询"]
TOPICS = ["船舶", "林木", "水产", "烟花", "印章", "档案", "计量器具", "特种设备", "电梯", "犬只", "校车", "古树"]


def timed(fn: Callable[[], Any], n: int) -> list[float]:
    """Milliseconds per call of `fn`, `n` times."""
    out = []
    for _ in range(n):
        t0 = time.perf_counter()
        fn()
        out.append((time.perf_counter() - t0) * 1000)
    return out


def figures(name: str, values: list[float]) -> dict[str, float]:
    """p50 and p99 of a latency list."""
    return {f"{name}_p50_ms": round(percentile(values, 50), 3), f"{name}_p99_ms": round(percentile(values, 99), 3)}


def generate_items(session: Any, total: int, rng: random.Random) -> None:
    """Fill the catalogue up to `total` live items with plausible names."""
    from cityloop.services.items.models import ServiceItem
    from cityloop.services.items.repository import all_active

    have = len(all_active(session))
    rows = []
    for n in range(have, total):
        topic, word = rng.choice(TOPICS), rng.choice(WORDS)
        rows.append(ServiceItem(code=f"GEN-{n:06d}", basic_code=f"G{n:06d}", name=f"{topic}{word}（第{n}项）",
                                item_type="公共服务", service_object="自然人", unit_name=f"第{n % 40}局",
                                division_code="330100", legal_days=20, promised_days=5, keywords=f"{topic} {word}",
                                themes=[], channels=["online"], materials=[{"key": "居民身份证", "name": "居民身份证",
                                                                          "copies": 1, "required": "always"}]))
    session.add_all(rows)
    session.commit()


def bench_guide(session: Any, n: int) -> dict[str, float]:
    """Answers → materials on items with guides, against copying the full list."""
    from cityloop.services.demo.history import answers_for
    from cityloop.services.guides.service import required_materials
    from cityloop.services.items.repository import all_active

    rng = random.Random(1)
    cases = [(i, answers_for(i, rng)) for i in all_active(session) if i.guide][:50]
    pick = iter(lambda: cases[rng.randrange(len(cases))], None)
    resolved = timed(lambda: required_materials(*next(pick)), n)
    baseline = timed(lambda: list(next(pick)[0].materials), n)
    return {**figures("guide", resolved), **figures("guide_baseline_copy", baseline)}


def bench_search(session: Any, n: int) -> dict[str, float]:
    """Search in everyday words over the whole catalogue, against one plain LIKE query."""
    from sqlalchemy import select

    from cityloop.services.items import service as items
    from cityloop.services.items.models import ServiceItem

    rng = random.Random(2)
    searched = timed(lambda: items.search(session, rng.choice(QUERIES)), n)
    like = timed(lambda: list(session.scalars(select(ServiceItem).where(
        ServiceItem.name.contains(rng.choice(QUERIES))).limit(20))), n)
    return {**figures("search", searched), **figures("search_baseline_like", like)}


def bench_intake(n: int) -> dict[str, float]:
    """Application intake against case intake through the same app."""
    from fastapi.testclient import TestClient

    from cityloop.app import create_app

    with TestClient(create_app()) as client:
        def token(user: str) -> dict[str, str]:
            r = client.post("/api/v1/auth/token", data={"username": user, "password": builders.PASSWORD})
            return {"Authorization": f"Bearer {r.json()['access_token']}"}

        citizen, agent = token("citizen"), token("agent")
        body = {"item_code": "330100-QR-0103-01",
                "materials": ["出生医学证明", "父母居民户口簿", "父母居民身份证", "结婚证"]}
        case = builders.case_in().model_dump(mode="json", exclude_none=True)

        def post(url: str, payload: dict[str, Any], headers: dict[str, str]) -> None:
            assert client.post(url, json=payload, headers=headers).status_code == 201

        apps = timed(lambda: post("/api/v1/services/applications", body, citizen), n)
        cases = timed(lambda: post("/api/v1/cases", case, agent), n)
    out = {**figures("application_intake", apps), **figures("case_intake", cases)}
    out["application_vs_case_p50_ratio"] = round(out["application_intake_p50_ms"] / out["case_intake_p50_ms"], 3)
    return out


def main() -> None:
    """Run the three measurements and print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database", choices=["sqlite", "postgresql"], default="sqlite")
    parser.add_argument("--items", type=int, default=20_000)
    parser.add_argument("--calls", type=int, default=2000, help="guide resolutions")
    parser.add_argument("--searches", type=int, default=300)
    parser.add_argument("--requests", type=int, default=200, help="intake requests of each kind")
    args = parser.parse_args()
    with fresh_database(args.database) as url, tempfile.TemporaryDirectory() as tmp:
        migrate(url, Path(tmp) / "var")
        from cityloop.kit.db import get_sessionmaker
        from cityloop.services.demo import seed

        with get_sessionmaker()() as session:
            builders.build_world(session, Path(tmp))
            seed.seed(session)
            generate_items(session, args.items, random.Random(3))
            out: dict[str, Any] = {"database": args.database, "items": args.items}
            out |= bench_guide(session, args.calls)
            out |= bench_search(session, args.searches)
        out |= bench_intake(args.requests)
    emit(out)


if __name__ == "__main__":
    main()
