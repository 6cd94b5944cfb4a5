"""KPI rollups: caught up by the job, they give exactly the brute-force SQL's figures; `cityloop kpi check`."""

from __future__ import annotations

import json
from datetime import datetime, time, timedelta

from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from sqlalchemy.orm import Session
from test_kpi import T0, _run_history, act, file_at
from typer.testing import CliRunner

from builders import DISTRICT, OTHER_DISTRICT, STREET, World
from cityloop.cases.kpi import KpiQuery, kpi_breakdown, kpi_report
from cityloop.cases.rollups.check import check
from cityloop.cases.rollups.service import rebuild, refresh
from cityloop.cli import app
from cityloop.kit import clock
from cityloop.kit.clock import LOCAL_TZ, to_local

D = timedelta(days=1)


def _midnight(at: datetime, days: int) -> datetime:
    return datetime.combine(to_local(at).date() + timedelta(days=days), time.min, tzinfo=LOCAL_TZ)


def _agree(db: Session, world: World, who: str, query: KpiQuery, now: datetime) -> None:
    subject = world.subjects[who]
    live = kpi_report(db, subject, query, now, live=True).model_dump()
    rolled = kpi_report(db, subject, query, now, rollups=True).model_dump()
    assert rolled == live


@settings(max_examples=12, deadline=None, phases=[Phase.explicit, Phase.reuse, Phase.generate],
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(data=st.data())
def test_caught_up_rollups_equal_the_brute_force_sql(db: Session, world: World, data: st.DataObject) -> None:
    step = st.tuples(st.integers(0, 7), st.integers(0, 2), st.integers(0, 2**32))
    start = T0 + data.draw(st.integers(0, 30), label="start_day") * D
    clock.freeze(start)
    rebuild(db)  # examples share the database and each starts its clock afresh; real clocks only move on
    middle = _run_history(db, world, data.draw(st.lists(step, min_size=4, max_size=15), label="first"), start)
    clock.freeze(middle)
    refresh(db)  # the first run builds; the second history changes cases already counted (moves, closes)
    end = _run_history(db, world, data.draw(st.lists(step, min_size=4, max_size=15), label="then"), middle)
    clock.freeze(end)
    refresh(db)
    now = end + data.draw(st.sampled_from([timedelta(0), timedelta(hours=3), 5 * D]), label="now")
    lo = data.draw(st.one_of(st.none(), st.integers(-1, 20).map(lambda d: _midnight(start, d))), label="from")
    hi = data.draw(st.one_of(st.none(), st.integers(1, 40).map(lambda d: _midnight(start, d))), label="to")
    if lo and hi and lo >= hi:
        lo, hi = hi, lo + D
    query = KpiQuery(start=lo, end=hi,
                     division_code=data.draw(st.sampled_from([None, DISTRICT, STREET, OTHER_DISTRICT]), label="div"),
                     category_code=data.draw(st.sampled_from([None, "01", "030101"]), label="category"))
    who = data.draw(st.sampled_from(["leader", "other_dispatcher", "admin"]), label="who")
    _agree(db, world, who, query, now)
    by = data.draw(st.sampled_from(["division", "unit", "category", "channel"]), label="by")
    live = kpi_breakdown(db, world.subjects[who], query, by, now, live=True)
    rolled = kpi_breakdown(db, world.subjects[who], query, by, now, rollups=True)
    assert [r.model_dump() for r in rolled.rows] == [r.model_dump() for r in live.rows]


def test_a_moved_deadline_leaves_its_old_day(db: Session, world: World) -> None:
    case = file_at(db, world, T0, category_code="020101")  # 物业: auto-dispatched to 住建局
    act(db, world, "zj_handler", case, "sign", T0 + timedelta(hours=1))
    refresh(db)
    act(db, world, "zj_handler", case, "request_extension", T0 + D, days=5, note="需要协调业主大会")
    act(db, world, "supervisor", case, "approve_extension", T0 + D + timedelta(hours=1))
    clock.freeze(T0 + 2 * D)
    refresh(db)
    now = T0 + 40 * D
    for days in range(0, 30):
        day = KpiQuery(start=_midnight(T0, days), end=_midnight(T0, days + 1))
        _agree(db, world, "leader", day, now)


def test_the_check_finds_a_rollup_that_drifted(db: Session, world: World) -> None:
    from sqlalchemy import update

    from cityloop.cases.rollups.models import CaseAreaRollup, CaseRollup

    clock.freeze(None)
    for _ in range(3):
        file_at(db, world, clock.utcnow())
    rebuild(db)
    assert check(db).ok
    db.execute(update(CaseAreaRollup).values(received=CaseAreaRollup.received + 1))
    report = check(db)
    assert not report.ok
    assert report.mismatches[0]["slice"] == "city"
    rebuild(db)
    db.execute(update(CaseRollup).values(closed=CaseRollup.closed + 1))  # the fine table serves categories
    assert any(m["slice"].startswith("by category") for m in check(db).mismatches)


def test_kpi_check_command(db: Session, world: World) -> None:
    clock.freeze(None)
    file_at(db, world, clock.utcnow())
    db.commit()
    done = CliRunner().invoke(app, ["kpi", "check"])
    assert done.exit_code == 0, done.output
    shown = json.loads(done.output)
    assert shown["ok"] is True
    assert shown["checked"] > 5


def test_fresh_rollups_serve_the_kpi_endpoint_figures(db: Session, world: World) -> None:
    clock.freeze(None)
    for _ in range(2):
        file_at(db, world, clock.utcnow())
    refresh(db)
    db.commit()
    from cityloop.cases.rollups.reader import report_statement

    assert report_statement(db, world.subjects["leader"], KpiQuery(), clock.utcnow()) is not None
    odd_hour = KpiQuery(start=_midnight(clock.utcnow(), 0) + timedelta(hours=3))
    assert report_statement(db, world.subjects["leader"], odd_hour, clock.utcnow()) is None  # not whole days: live


def test_keyset_pages_walk_every_case_once(client, db: Session, world: World, auth) -> None:  # type: ignore[no-untyped-def]
    clock.freeze(None)
    filed = {file_at(db, world, clock.utcnow() - timedelta(minutes=i % 3)).id for i in range(7)}
    seen: list[int] = []
    after = None
    while True:
        params = {"limit": 3, **({"after": after} if after else {})}
        page = client.get("/api/v1/cases", params=params, headers=auth("dispatcher")).json()
        seen += [c["id"] for c in page["items"]]
        assert page["total"] == 7
        assert page["total_is_estimate"] is False
        after = page["next_cursor"]
        if not after:
            break
    assert sorted(seen) == sorted(filed)
    assert len(seen) == len(set(seen))


def test_a_forged_cursor_is_a_422(client, db: Session, world: World, auth) -> None:  # type: ignore[no-untyped-def]
    r = client.get("/api/v1/cases", params={"after": "not-a-cursor"}, headers=auth("dispatcher"))
    assert r.status_code == 422
    r = client.get("/api/v1/cases", params={"after": "eyJ4Ijox", "order": "deadline"}, headers=auth("dispatcher"))
    assert r.status_code == 422
