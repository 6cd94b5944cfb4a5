"""Range checks on given receipt times (API and import) and a sweep bounded whatever the stored times."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select
from sqlalchemy.orm import Session
from test_import_export import HEADER, write_csv

from builders import file_case
from cityloop.cases.importer import ImportOptions, check_file
from cityloop.cases.models import Case, CaseEvent
from cityloop.cases.sla import sweep
from cityloop.config import get_settings
from cityloop.kit import clock
from cityloop.kit.errors import ValidationFailed

NOW = datetime(2025, 3, 3, 2, 0, tzinfo=UTC)
BODY = {"channel": "hotline", "appeal_type": "complain", "title": "历史工单", "content": "导入的历史来电记录。",
        "location": {"division_code": "330106"}}


@pytest.mark.parametrize("when", ["0151-06-01T08:00:00+08:00", "2556-06-01T08:00:00+08:00",
                                  "1999-12-31T23:59:00+08:00", "2025-03-03T10:06:00+08:00"])
def test_api_refuses_receipt_times_out_of_range(client, world, auth, when: str) -> None:
    clock.freeze(NOW)  # 10:00 in Shanghai; the default allows 5 minutes of clock skew
    resp = client.post("/api/v1/cases", json={**BODY, "received_at": when}, headers=auth("admin"))
    assert resp.status_code == 422, resp.text
    message = resp.json()["details"]["fields"]["received_at"]
    assert message["zh"]
    assert message["en"]
    assert client.get("/api/v1/cases", headers=auth("admin")).json()["total"] == 0


@pytest.mark.parametrize("when", ["2000-01-01T00:00:00+08:00", "2025-03-03T10:04:00+08:00", "2024-05-01T08:30:00"])
def test_api_accepts_receipt_times_in_range(client, world, auth, when: str) -> None:
    clock.freeze(NOW)
    resp = client.post("/api/v1/cases", json={**BODY, "received_at": when}, headers=auth("admin"))
    assert resp.status_code == 201, resp.text


def test_a_time_without_zone_is_local(client, world, auth) -> None:
    clock.freeze(NOW)
    resp = client.post("/api/v1/cases", json={**BODY, "received_at": "2024-05-01T08:30:00"}, headers=auth("admin"))
    assert datetime.fromisoformat(resp.json()["received_at"]) == datetime(2024, 5, 1, 0, 30, tzinfo=UTC)


def test_floor_and_skew_are_settings(db: Session, world, monkeypatch: pytest.MonkeyPatch) -> None:  # type: ignore[no-untyped-def]
    clock.freeze(NOW)
    monkeypatch.setenv("CITYLOOP_RECEIVED_AT_EARLIEST", "2020-01-01")
    monkeypatch.setenv("CITYLOOP_RECEIVED_AT_MAX_AHEAD_MINUTES", "60")
    get_settings.cache_clear()
    with pytest.raises(ValidationFailed) as refused:
        file_case(db, world.subjects["admin"], received_at=datetime(2019, 6, 1, tzinfo=UTC))
    assert "2020-01-01" in refused.value.fields["received_at"][0]
    assert file_case(db, world.subjects["admin"], received_at=NOW + timedelta(minutes=50)).id


def test_import_rows_report_receipt_times_out_of_range(db: Session, world, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    clock.freeze(NOW)
    rows = [["X-1", "路灯不亮", "北山街路灯坏了", "hotline", "help", "", "", "330106", when]
            for when in ("0151-06-01 08:00", "2556-06-01 08:00", "2024-05-01 08:30", "2025-03-03 10:30")]
    for i, row in enumerate(rows):
        row[0] = f"X-{i}"
    report = check_file(db, write_csv(tmp_path / "in.csv", rows, HEADER), ImportOptions())
    assert {p.line: list(p.errors) for p in report.rejected} == {2: ["received_at"], 3: ["received_at"],
                                                                  5: ["received_at"]}
    zh, en = report.rejected[0].errors["received_at"]
    assert "2000-01-01" in zh
    assert "2000-01-01" in en


# Times a legacy row may hold, from antiquity to the far future, and moments of the sweep around them.
times = st.datetimes(min_value=datetime(100, 1, 1), max_value=datetime(2600, 12, 31), timezones=st.just(UTC))
near = st.datetimes(min_value=datetime(2024, 1, 1), max_value=datetime(2026, 12, 31), timezones=st.just(UTC))


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(stored=st.lists(st.tuples(times | near, times | near, st.booleans()), min_size=1, max_size=3),
       moments=st.lists(near, min_size=1, max_size=4))
def test_a_sweep_writes_at_most_one_urge_per_case(db: Session, world, stored, moments) -> None:  # type: ignore[no-untyped-def]
    clock.freeze(NOW)
    cases = [file_case(db, world.subjects["agent"], location={} if waiting else {"division_code": "330106001"},
                       category_code=None if waiting else "010101") for _, _, waiting in stored]
    for case, (received, deadline, _) in zip(cases, stored, strict=True):
        # Legacy rows written before the range check existed.
        case.received_at, case.deadline, case.dispatch_deadline = received, deadline, deadline
    db.commit()
    for moment in [*moments, moments[-1]]:
        before = _urges(db, cases)
        sweep(db, moment)
        after = _urges(db, cases)
        for case in cases:
            assert after[case.id][0] - before[case.id][0] <= 1, "one urge event per case and sweep"
            assert after[case.id][1] - before[case.id][1] <= 1, "urge_count grows by one at most"
    again = _urges(db, cases)
    sweep(db, moments[-1])
    assert _urges(db, cases) == again, "a sweep repeated at the same moment changes nothing"


def _urges(db: Session, cases: list[Case]) -> dict[int, tuple[int, int]]:
    stmt = select(CaseEvent.case_id, func.count()).where(CaseEvent.action == "urge").group_by(CaseEvent.case_id)
    events = dict(db.execute(stmt).tuples().all())
    return {c.id: (events.get(c.id, 0), c.urge_count) for c in cases}
