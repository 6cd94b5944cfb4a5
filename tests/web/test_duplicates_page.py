"""The case page shows the intake screener's duplicate candidates with their evidence, and repeat callers."""

from __future__ import annotations

from collections.abc import Callable

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from builders import World, file_case

Browser = Callable[[str], TestClient]
NOISE = {"title": "夜间施工噪音扰民", "content": "北山街道工地每晚十一点后还在打桩，噪音很大，居民无法休息。",
         "category_code": None}


def test_dispatcher_sees_screened_duplicates_with_evidence_and_can_merge(as_user: Browser, db: Session,
                                                                          world: World) -> None:
    c = as_user("dispatcher")  # the app plugs the screener into intake
    agent = world.subjects["agent"]
    first = file_case(db, agent, **NOISE, reporter={"name": "李四", "phone": "13900000001"})
    second = file_case(db, agent, **NOISE, reporter={"name": "李四", "phone": "13900000001"})
    assert second.suggestions["duplicates"][0]["case_id"] == first.id
    page = c.get(f"/cases/{second.id}").text
    assert first.number in page
    assert "高度相似" in page
    assert "同一来电人" in page
    assert "该来电人另有在办工单" in page
    assert f'name="into" value="{first.id}"' in page
    english = c.get(f"/cases/{second.id}?lang=en").text
    assert "Near-identical" in english
    assert "same caller" in english


def test_the_dispatch_queue_flags_possible_duplicates_and_repeat_callers(as_user: Browser, db: Session,
                                                                        world: World) -> None:
    c = as_user("dispatcher")
    agent = world.subjects["agent"]
    caller = {"name": "李四", "phone": "13900000001"}
    first = file_case(db, agent, **NOISE, reporter=caller)
    second = file_case(db, agent, **NOISE, reporter=caller)
    queue = c.get("/dispatch").text
    row = queue.split(f'id="row-{second.id}"', 1)[1].split("</tr>", 1)[0]
    assert 'data-hint="duplicate"' in row
    assert 'data-hint="repeat-caller"' in row
    first_row = queue.split(f'id="row-{first.id}"', 1)[1].split("</tr>", 1)[0]
    assert "data-hint" not in first_row


def test_queues_name_the_area_instead_of_showing_its_code(as_user: Browser, db: Session, world: World) -> None:
    c = as_user("dispatcher")
    case = file_case(db, world.subjects["agent"], **NOISE)
    row = c.get("/dispatch").text.split(f'id="row-{case.id}"', 1)[1].split("</tr>", 1)[0]
    assert f'<td title="{case.division_code}">北山街道' in row
