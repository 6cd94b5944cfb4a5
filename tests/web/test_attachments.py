"""Attachments are served only to staff who may see the case (or the case step) holding them."""

from __future__ import annotations

from collections.abc import Callable

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session
from web_helpers import post

from builders import World, file_case
from cityloop.cases.schemas import ActionIn
from cityloop.cases.workflow import perform
from cityloop.config import get_settings

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
JPG = b"\xff\xd8\xff\xe0" + b"1" * 32
FORM = {"appeal_type": "complain", "title": "楼下餐馆油烟扰民", "content": "每天晚上油烟很大，窗户都不能开。",
        "address": "北山街道某小区3幢", "division_code": "330106001", "phone": "13900001111", "nonce": "n-1"}


def _stored() -> set[str]:
    return {p.name for p in (get_settings().var_dir / "uploads").iterdir()}


def test_a_portal_photo_is_served_to_staff_of_its_area_only(world: World, client: TestClient,
                                                             as_user: Callable[[str], TestClient]) -> None:
    assert post(client, "/portal", FORM, files={"photo": ("a.png", PNG, "image/png")}).status_code == 200
    (name,) = _stored()
    assert as_user("dispatcher").get(f"/files/{name}").content == PNG  # city-wide
    assert as_user("other_dispatcher").get(f"/files/{name}").status_code == 404  # the other district
    assert as_user("citizen").get(f"/files/{name}").status_code == 404


def test_a_step_photo_follows_its_case(world: World, db: Session, as_user: Callable[[str], TestClient]) -> None:
    case_id = file_case(db, world.subjects["agent"]).id
    perform(db, world.subjects["street_handler"], case_id, "sign", ActionIn())
    perform(db, world.subjects["street_handler"], case_id, "complete", ActionIn(reply="已处理完毕，现场已清理"))
    grid = as_user("grid_worker")
    post(grid, f"/cases/{case_id}/act/verify", {"passed": "true"}, files={"photo": ("s.jpg", JPG, "image/jpeg")})
    (name,) = _stored()
    assert grid.get(f"/files/{name}").content == JPG
    assert as_user("other_handler").get(f"/files/{name}").status_code == 404


def test_a_file_no_case_holds_is_not_served(world: World, as_user: Callable[[str], TestClient]) -> None:
    orphan = "A" * 24 + ".png"
    (get_settings().var_dir / "uploads").mkdir(parents=True, exist_ok=True)
    (get_settings().var_dir / "uploads" / orphan).write_bytes(PNG)
    assert as_user("admin").get(f"/files/{orphan}").status_code == 404


def test_the_migration_indexes_uploads_already_held(world: World, db: Session) -> None:
    from alembic import command
    from sqlalchemy import inspect, select

    from cityloop.cases.models import CaseFile
    from cityloop.kit.db import get_engine
    from cityloop.migrate import alembic_config

    photo = {"name": "a.png", "content_type": "image/png", "size": 9, "url": "/files/" + "B" * 24 + ".png"}
    case_id = file_case(db, world.subjects["agent"], attachments=[photo]).id
    db.close()
    get_engine().dispose()
    command.downgrade(alembic_config(), "0014@0008")  # only this branch: the others stay at their heads
    assert "case_files" not in inspect(get_engine()).get_table_names()
    command.upgrade(alembic_config(), "heads")
    assert db.execute(select(CaseFile.name, CaseFile.case_id)).all() == [("B" * 24 + ".png", case_id)]
