"""一件事 bundles (one form, merged materials, an application per item) and places with doorplates."""

from __future__ import annotations

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from cityloop.services.applications.models import Application

pytestmark = pytest.mark.usefixtures("catalogue")


def test_a_material_two_items_need_is_asked_once(client) -> None:  # type: ignore[no-untyped-def]
    r = client.post("/api/v1/services/bundles/YJS-CS/guide", json={"answers": {"self": "yes", "married": "yes"}})
    assert r.status_code == 200, r.text
    names = [m["name"] for m in r.json()["materials"]]
    assert len(names) == len(set(names))
    assert len(r.json()["items"]) == 5
    assert "居民身份证" in names  # needed by 社保卡 and 生育津贴, listed once


def test_a_bundle_files_one_application_per_item_or_nothing(client, auth, db: Session) -> None:  # type: ignore[no-untyped-def]
    answers = {"self": "yes", "married": "yes"}
    guide = client.post("/api/v1/services/bundles/YJS-TX/guide", json={"answers": {**answers, "archive": "no"}})
    keys = [m["key"] for m in guide.json()["materials"]]
    body = {"item_code": "-", "answers": {**answers, "archive": "no"}, "materials": keys[:-1]}
    short = client.post("/api/v1/services/bundles/YJS-TX/applications", json=body, headers=auth("citizen"))
    assert short.status_code == 422
    assert db.scalars(select(Application)).all() == []
    body["materials"] = keys
    r = client.post("/api/v1/services/bundles/YJS-TX/applications", json=body, headers=auth("citizen"))
    assert r.status_code == 201, r.text
    made = r.json()["applications"]
    assert [a["item_code"] for a in made] == ["330100-JF-0401-01", "330100-JF-0902-01"]
    assert made[0]["deadline"] != made[1]["deadline"]  # each item keeps its own promised limit


def test_places_and_doorplates(client) -> None:  # type: ignore[no-untyped-def]
    places = client.get("/api/v1/services/places").json()
    assert len(places) == 8
    code = places[0]["code"]
    svg = client.get(f"/services/places/{code}/doorplate.svg")
    assert svg.headers["content-type"].startswith("image/svg+xml")
    png = client.get(f"/services/places/{code}/doorplate.png")
    assert png.content.startswith(b"\x89PNG")
    sheet = client.get("/services/places/doorplates")
    assert sheet.text.count("<svg") == 8
    page = client.get(f"/services/places/{code}")
    assert page.status_code == 200
    assert places[0]["name"] in page.text
