"""一网通办 KPIs from applications walked through the service layer."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from sqlalchemy.orm import Session

from builders import World
from cityloop.kit.clock import utcnow
from cityloop.kit.errors import Forbidden
from cityloop.services import kpi
from cityloop.services.applications import service as applications
from cityloop.services.applications import workflow
from cityloop.services.evaluations import service as evaluations
from cityloop.services.schemas import ApplicationIn

pytestmark = pytest.mark.usefixtures("catalogue")
RECORD = "330100-QR-0103-01"  # legal 10, promised 1
INSURANCE = "330100-GG-0104-01"  # legal 5, promised 0: 即办
ALL = ["出生医学证明", "父母居民户口簿", "父母居民身份证", "结婚证"]


def _walk(db: Session, world: World, code: str, materials: list[str], correct: bool, score: int | None) -> None:
    app = applications.file(db, world.subjects["citizen"], ApplicationIn(item_code=code, materials=materials))
    window = world.subjects["window"]
    if correct:
        workflow.act(db, window, app.id, workflow.Act("request_correction", missing=["原件"]))
        workflow.act(db, world.subjects["citizen"], app.id, workflow.Act("resubmit"))
    workflow.act(db, window, app.id, workflow.Act("accept"))
    workflow.act(db, window, app.id, workflow.Act("approve", note="准予。"))
    if score is not None:
        evaluations.rate(db, world.subjects["citizen"], app.id, score, "说明一下")


def _period() -> kpi.KpiQuery:
    return kpi.KpiQuery(utcnow() - timedelta(days=1), utcnow() + timedelta(days=1))


def test_the_nine_figures(db: Session, world: World) -> None:
    _walk(db, world, RECORD, ALL, correct=True, score=1)
    _walk(db, world, INSURANCE, ["居民户口簿"], correct=False, score=5)
    (row,) = kpi.report(db, world.subjects["leader"], _period())
    assert row["received"] == 2
    assert row["online_rate"] == 1.0
    assert row["instant_rate"] == 0.5
    assert row["compression"] == round(1 - 1 / 15, 4)
    assert row["on_time_rate"] == 1.0
    assert row["avg_visits"] == 0
    assert row["correction_rate"] == 0.5
    assert row["good_rate"] == 0.5
    assert row["rectified_rate"] == 0.0  # the rectification case is still in the loop
    assert row["rectified_on_time_rate"] is None


def test_by_item_and_scoping(db: Session, world: World) -> None:
    _walk(db, world, RECORD, ALL, correct=False, score=None)
    rows = kpi.report(db, world.subjects["leader"], kpi.KpiQuery(*_dates(), by="item"))
    assert [r["key"] for r in rows] == [RECORD]
    assert kpi.report(db, world.subjects["other_dispatcher"], kpi.KpiQuery(*_dates(), by="item")) == []
    with pytest.raises(Forbidden):
        kpi.report_for(db, world.subjects["citizen"], _period())


def _dates() -> tuple[datetime, datetime]:
    return utcnow() - timedelta(days=1), utcnow() + timedelta(days=1)
