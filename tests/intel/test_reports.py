"""Area reports: figures equal the KPI service's, previous-period comparison, self-contained HTML, CLI and API."""

from __future__ import annotations

import re
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient
from intel_builders import at, file_on, seed_spike
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from builders import CITY, DISTRICT, OTHER_STREET, STREET, World
from cityloop.cases import kpi
from cityloop.cases.schemas import ActionIn
from cityloop.cases.workflow import perform
from cityloop.intel.alerts import service as alerts
from cityloop.intel.alerts.routes import router as alert_router
from cityloop.intel.reports import render as report_render
from cityloop.intel.reports import service as reports
from cityloop.intel.reports.cli import report_app
from cityloop.kit import clock
from cityloop.kit.auth import SYSTEM

SUNDAY = date(2024, 5, 19)  # the week of test_alerts.SPIKE_DAY (Mon 13 – Sun 19 May)


def act(db: Session, w: World, who: str, case_id: int, action: str, day: date, hour: int, **body: Any) -> None:
    clock.freeze(at(day, hour))
    perform(db, w.subjects[who], case_id, action, ActionIn.model_validate(body))


def seed(db: Session, w: World) -> None:
    """A spike week in one street, a few handled cases in both weeks, some cases in another district."""
    seed_spike(db, w)
    for week in (0, 7):
        day = SUNDAY - timedelta(days=3 + week)
        street = file_on(db, w, day, category="010101", title="小区门口占道经营", content="摊贩占道经营")
        act(db, w, "street_handler", street, "sign", day, 17)
        act(db, w, "street_handler", street, "complete", day + timedelta(days=1 + week // 7), 10,
            reply="已处理完毕并清理")
        cover = file_on(db, w, day, category="030101", appeal_type="event", title="井盖缺失", content="井盖缺失危险")
        act(db, w, "handler", cover, "sign", day, 18)
        act(db, w, "handler", cover, "complete", day + timedelta(days=2), 12, reply="已补装缺失井盖并设警示")
    for _ in range(3):
        file_on(db, w, SUNDAY - timedelta(days=1), OTHER_STREET)
    alerts.scan(db, at(date(2024, 5, 15), 20))
    clock.freeze(at(SUNDAY + timedelta(days=1), 9))


def kpi_of(db: Session, code: str, first: date, last: date) -> kpi.KpiReport:
    query = kpi.KpiQuery(division_code=code, start=alerts.local_midnight(first),
                         end=alerts.local_midnight(last + timedelta(days=1)))
    return kpi.kpi_report(db, SYSTEM, query)


def test_bounds() -> None:
    assert reports.bounds("day", date(2024, 3, 1)) == reports.Bounds(date(2024, 3, 1), date(2024, 3, 1),
                                                                      date(2024, 2, 29), date(2024, 2, 29))
    week = reports.bounds("week", date(2024, 5, 16))
    assert (week.start, week.prev_start, week.prev_end) == (date(2024, 5, 13), date(2024, 5, 6), date(2024, 5, 9))
    month = reports.bounds("month", date(2024, 3, 31))
    assert (month.start, month.prev_start, month.prev_end) == (date(2024, 3, 1), date(2024, 2, 1), date(2024, 2, 29))


def test_report_figures_are_the_kpi_services(db: Session, world: World) -> None:
    seed(db, world)
    data = reports.build(db, SYSTEM, "week", DISTRICT, SUNDAY)
    now = kpi_of(db, DISTRICT, date(2024, 5, 13), SUNDAY)
    before = kpi_of(db, DISTRICT, date(2024, 5, 6), date(2024, 5, 12))
    assert now.received > before.received > 0
    assert now.completed > 0
    md = report_render.markdown(data)
    for key in reports.HEADLINE:
        label = kpi.LABELS[key]["zh"]
        expected = (f"| {label} | {reports.fmt(key, getattr(now, key))} | {reports.fmt(key, getattr(before, key))} |")
        assert expected in md, key
    # Only the district's cases: the other district's three do not count.
    assert data.current.received == now.received
    assert data.categories[0].key == "010201"
    assert data.categories[0].received == now.received - 2
    assert [r.label for r in data.slowest_units][:1] == ["西湖区城管局"]  # 2-day fixes beat same-day ones
    assert data.alert_counts.get("诉求量异常升高") == 1
    assert "垃圾清运不及时" in md
    assert data.hot
    assert data.hot[0]["n_messages"] >= 3


def test_html_is_self_contained_and_has_charts(db: Session, world: World) -> None:
    seed(db, world)
    page = report_render.html(reports.build(db, SYSTEM, "month", CITY, SUNDAY, lang="en"))
    assert "http://" not in page
    assert "https://" not in page
    assert "<script" not in page
    assert "<link" not in page
    assert "src=" not in page
    assert page.count("<svg") >= 3
    assert "Monthly report" in page
    received = kpi_of(db, CITY, date(2024, 5, 1), SUNDAY).received
    assert re.search(rf">{received}</td>", page)


def test_empty_area_still_renders(db: Session, world: World) -> None:
    clock.freeze(at(SUNDAY, 12))
    data = reports.build(db, SYSTEM, "day", STREET, SUNDAY)
    assert "本期无热点问题" in report_render.markdown(data)
    assert "<svg" in report_render.html(data)


def test_cli_writes_html_and_markdown(db: Session, world: World, tmp_path: Path) -> None:
    seed(db, world)
    runner = CliRunner()
    out = tmp_path / "week.html"
    result = runner.invoke(report_app, ["--period", "week", "--division", DISTRICT, "--end", SUNDAY.isoformat(),
                                        "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert out.read_text(encoding="utf-8").startswith("<!doctype html>")
    result = runner.invoke(report_app, ["--period", "day", "--division", DISTRICT, "--end", SUNDAY.isoformat()])
    assert result.exit_code == 0
    assert result.output.startswith("# 西湖区 日报")
    assert runner.invoke(report_app, ["--period", "year"]).exit_code != 0


def test_api_is_scoped_to_the_caller(client: TestClient, auth: Any, db: Session, world: World) -> None:
    if not any(getattr(r, "path", "") == "/api/v1/reports" for r in client.app.routes):  # type: ignore[attr-defined]
        client.app.include_router(alert_router)  # type: ignore[attr-defined]
    seed(db, world)
    params = {"period": "week", "end": SUNDAY.isoformat(), "format": "md"}
    resp = client.get("/api/v1/reports", params=params, headers=auth("other_dispatcher"))
    assert resp.status_code == 200
    assert resp.headers["content-type"].startswith("text/markdown")
    row = f"| {kpi.LABELS['received']['zh']} | 3 |"
    assert row in resp.text  # only the other district's three cases
    html = client.get("/api/v1/reports", params={**params, "format": "html"}, headers=auth("leader"))
    assert html.status_code == 200
    assert html.headers["content-type"].startswith("text/html")
    assert client.get("/api/v1/reports", params=params, headers=auth("handler")).status_code == 403
    far = client.get("/api/v1/reports", params={**params, "end": "9999-12-31"}, headers=auth("leader"))
    assert far.status_code == 422
