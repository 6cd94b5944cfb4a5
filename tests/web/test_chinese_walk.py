"""Every role's pages in the Chinese view: no raw codes, no Python reprs, no English-only text."""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from builders import World, file_case
from cityloop.cases.schemas import ActionIn
from cityloop.cases.states import State
from cityloop.cases.workflow import perform

Browser = Callable[[str], TestClient]
PAGES = {
    "agent": ["/desk"], "dispatcher": ["/dispatch"], "handler": ["/inbox"], "street_handler": ["/inbox"],
    "grid_worker": ["/grid"], "supervisor": ["/supervise", "/cockpit"], "leader": ["/cockpit"],
    "admin": ["/admin?tab=users", "/admin?tab=units", "/admin?tab=taxonomy", "/admin?tab=holidays",
              "/admin?tab=grids"],
    "citizen": ["/portal"],
}
REPRS = ("{'", "[('", "('", "None</", ">None<", "<built-in", "object at 0x")
RAW_CODES = [s.value for s in State] + ["chengguan", "zhujian", "street_office", "hotline", "complain"]


def _visible(html: str) -> str:
    # Attribute values (data-*, value=, hidden inputs) are for programs; only text between tags is read by people.
    body = html.split("<main", 1)[-1].split("</main>", 1)[0]
    body = re.sub(r"<script.*?</script>|<style.*?</style>|<select.*?</select>", " ", body, flags=re.S)
    return re.sub(r"<[^>]+>", "\n", body)


@pytest.fixture
def busy_city(db: Session, world: World) -> World:
    s = world.subjects
    file_case(db, s["agent"])
    done = file_case(db, s["agent"], title="路灯不亮需要维修")
    perform(db, s["street_handler"], done.id, "sign", ActionIn())
    reply = "已更换灯泡，现场恢复照明，联系电话0571-88888888。"
    perform(db, s["street_handler"], done.id, "complete", ActionIn(reply=reply))
    return world


@pytest.mark.parametrize(("role", "paths"), PAGES.items())
def test_chinese_view_has_no_raw_codes_or_reprs(role: str, paths: list[str], as_user: Browser,
                                                busy_city: World) -> None:
    c = as_user(role)
    for path in paths:
        r = c.get(path)
        assert r.status_code == 200, path
        text = _visible(r.text)
        for token in REPRS:
            assert token not in text, (path, token)
        words = {w.strip() for w in text.split("\n") if w.strip()}
        raw = sorted(w for w in words if w in RAW_CODES)
        assert not raw, (path, raw)
        usernames = set(busy_city.users)  # login names are data people type, not interface text
        english_only = sorted(w for w in words - usernames if re.fullmatch(r"[A-Za-z][A-Za-z ,.'’:-]{6,}", w))
        assert not english_only, (path, english_only)
