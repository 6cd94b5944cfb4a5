"""Governance costs: masking a list of 200 cases, and the audit chain under 16 concurrent writers; ONE JSON object.

- Masking: presenting 200 cases to a leader (phones and names masked) against the same 200 for a dispatcher, who
  sees them in clear, in the same run.
- Audit chain: 16 threads each appending audited acts (`audit.record`, one transaction each) against 16 threads
  inserting the same rows into the same table without the chain (no head row to lock), in the same run.
- Sharing: N calls of the shared data API with a scoped key (each checked, rate-counted, logged and audited)
  against N calls of the same page of cases through a staff session (`GET /api/v1/cases`), through the ASGI app.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import threading
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from _common import ROOT, emit, fresh_database, median_ms, migrate

sys.path.insert(0, str(ROOT / "tests"))
import builders  # noqa: E402 - the test builders live outside the package; reuse their small world


def masking(world: Any, repeat: int) -> dict[str, Any]:
    """Present 200 cases masked and unmasked."""
    from cityloop.cases.repository import scoped_cases
    from cityloop.cases.service import present_many
    from cityloop.kit.db import get_sessionmaker

    with get_sessionmaker()() as session:
        for i in range(200):
            builders.file_case(session, world.subjects["agent"], title=f"第{i}件占道经营",
                               reporter={"name": "张三", "phone": f"138{i:08d}"})
        cases = list(session.scalars(scoped_cases(world.subjects["leader"]).limit(200)))
        masked = median_ms(lambda: present_many(session, world.subjects["leader"], cases, "zh"), repeat)
        clear = median_ms(lambda: present_many(session, world.subjects["dispatcher"], cases, "zh"), repeat)
    return {"present_200_masked_ms": masked, "present_200_clear_ms": clear,
            "masking_overhead_ratio": round(masked / clear - 1, 3)}


def _run_threads(work: Any, threads: int, per_thread: int) -> float:
    errors: list[BaseException] = []

    def run() -> None:
        try:
            for i in range(per_thread):
                work(i)
        except BaseException as exc:  # report, do not hide, a failing writer
            errors.append(exc)

    pool = [threading.Thread(target=run) for _ in range(threads)]
    start = time.perf_counter()
    for t in pool:
        t.start()
    for t in pool:
        t.join()
    if errors:
        raise errors[0]
    return threads * per_thread / (time.perf_counter() - start)


def audit_rate(world: Any, threads: int, per_thread: int) -> dict[str, Any]:
    """Chained appends per second against plain inserts into the same table."""
    from sqlalchemy import insert

    from cityloop.audit.models import AuditEntry
    from cityloop.audit.service import record
    from cityloop.kit.db import get_sessionmaker

    subject = world.subjects["dispatcher"]

    def chained(i: int) -> None:
        with get_sessionmaker()() as session:
            record(session, subject, "read_pii", "case", [i], {"bench": True}, areas=["330106"])
            session.commit()

    def plain(i: int) -> None:
        with get_sessionmaker()() as session:
            session.execute(insert(AuditEntry).values(
                at=datetime.now(UTC), actor_id=subject.id, actor_name=subject.name, actor_kind="user",
                action="read_pii", object_type="case", object_ids=[i], detail={"bench": True},
                prev_hash="0" * 64, hash="0" * 64))
            session.commit()

    chained_rate = _run_threads(chained, threads, per_thread)
    plain_rate = _run_threads(plain, threads, per_thread)
    return {"audit_writers": threads, "audit_chained_per_s": round(chained_rate, 1),
            "audit_plain_insert_per_s": round(plain_rate, 1),
            "audit_vs_plain_ratio": round(chained_rate / plain_rate, 3)}


def _share_key(session: Any, world: Any, cases: int) -> str:
    """A 城管 resource, `cases` cases routed to 城管局, and an approved key of the 住建局 handler for them."""
    from datetime import timedelta

    from cityloop.accounts import service as accounts
    from cityloop.cases.schemas import ActionIn
    from cityloop.cases.workflow import perform
    from cityloop.governance.sharing.requests import service as requests
    from cityloop.governance.sharing.requests.schemas import RequestIn
    from cityloop.governance.sharing.resources.schemas import ResourceIn
    from cityloop.governance.sharing.resources.service import save_resource
    from cityloop.kit.auth import Role
    from cityloop.kit.clock import to_local, utcnow

    owner = world.units["chengguan"]
    lead = accounts.subject_for_user(session, accounts.create_user(
        session, "bench_cg_lead", builders.PASSWORD, [Role.SUPERVISOR], unit=owner))
    save_resource(session, world.subjects["admin"], ResourceIn(
        code="bench-cases", title="城管工单", owner_unit_id=owner.id, source="cases", update_frequency="daily",
        sharing_type="conditional", opening_type="none", fields=["id", "title", "division_code", "state"]))
    for i in range(cases):
        case = builders.file_case(session, world.subjects["dispatcher"], title=f"第{i}件井盖缺失",
                                  category_code="040101")
        perform(session, world.subjects["dispatcher"], case.id, "dispatch", ActionIn(unit_id=owner.id))
    today = to_local(utcnow()).date()
    made = requests.submit(session, world.subjects["zj_handler"], RequestIn(
        resource_code="bench-cases", purpose="基准测试共享调用", fields=["id", "title", "division_code", "state"],
        starts_on=today, ends_on=today + timedelta(days=1), rate_per_minute=100_000))
    key = requests.act(session, lead, made.id, "approve_owner").key
    assert key is not None
    return key


def share_api(world: Any, calls: int) -> dict[str, Any]:
    """Calls per second of the shared data API with a scoped key, and of the same page through a staff session."""
    from fastapi.testclient import TestClient

    from cityloop.app import create_app
    from cityloop.config import get_settings
    from cityloop.kit.db import get_sessionmaker

    # The key's rate must not be what is measured: allow far more calls a minute than the run makes.
    os.environ["CITYLOOP_SHARE_MAX_RATE_PER_MINUTE"] = "100000"
    get_settings.cache_clear()
    with get_sessionmaker()() as session:
        key = _share_key(session, world, 60)
    with TestClient(create_app()) as client:
        token = client.post("/api/v1/auth/token", data={"username": "dispatcher", "password": builders.PASSWORD})
        staff = {"Authorization": f"Bearer {token.json()['access_token']}"}

        def rate(url: str, headers: dict[str, str]) -> float:
            assert client.get(url, headers=headers).status_code == 200
            start = time.perf_counter()
            for _ in range(calls):
                client.get(url, headers=headers)
            return calls / (time.perf_counter() - start)

        keyed = rate("/api/v1/share/data/bench-cases?limit=50", {"X-API-Key": key})
        session_rate = rate("/api/v1/cases?limit=50&order=id", staff)
    return {"share_calls": calls, "share_key_calls_per_s": round(keyed, 1),
            "staff_session_calls_per_s": round(session_rate, 1),
            "share_vs_staff_ratio": round(keyed / session_rate, 3)}


def main() -> None:
    """Fresh database, a small world, then both measurements."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database", choices=["sqlite", "postgresql"], default="sqlite")
    parser.add_argument("--repeat", type=int, default=20)
    parser.add_argument("--writers", type=int, default=16)
    parser.add_argument("--per-writer", type=int, default=50)
    parser.add_argument("--share-calls", type=int, default=200)
    args = parser.parse_args()
    with fresh_database(args.database) as url, tempfile.TemporaryDirectory() as tmp:
        migrate(url, Path(tmp) / "var")
        from cityloop.kit.db import get_sessionmaker

        with get_sessionmaker()() as session:
            world = builders.build_world(session, Path(tmp))
        figures = {"backend": args.database, **masking(world, args.repeat),
                   **audit_rate(world, args.writers, args.per_writer), **share_api(world, args.share_calls)}
    emit(figures)


if __name__ == "__main__":
    main()
