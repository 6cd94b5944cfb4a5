"""The whole loop through the service layer."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy.orm import Session

from builders import build_world, file_case
from cityloop.cases.schemas import ActionIn
from cityloop.cases.service import case_detail
from cityloop.cases.workflow import perform


def test_full_loop_records_every_step(db: Session, tmp_path: Path) -> None:
    w = build_world(db, tmp_path)
    s = w.subjects
    case = file_case(db, s["agent"])
    assert case.state == "dispatched"
    assert case.unit_id == w.units["street"].id
    for who, action, body in [
        ("street_handler", "sign", {}),
        ("street_handler", "complete", {"reply": "已联系城管中队清理摊贩，并安排每日巡查。"}),
        ("grid_worker", "verify", {"passed": True}),
        ("agent", "revisit", {"satisfaction": "satisfied"}),
        ("dispatcher", "close", {}),
    ]:
        perform(db, s[who], case.id, action, ActionIn.model_validate(body))
    detail = case_detail(db, s["dispatcher"], case.id)
    assert detail.state == "closed"
    assert [e.action for e in detail.history or []] == [
        "receive", "auto_dispatch", "sign", "complete", "verify", "revisit", "close"]
