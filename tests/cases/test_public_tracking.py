"""Public tracking by number + lookup code: any text a visitor types answers 200 or 404, never 500."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy.orm import Session

from builders import World, file_case
from cityloop.cases import public
from cityloop.kit.errors import NotFound

ODD_CODES = ["查询码一二三", "ÄBCDEF", "abc\u200bdef", "😀😀😀😀", "ß" * 6]


@pytest.mark.parametrize("code", ODD_CODES)
def test_the_api_answers_404_to_a_non_ascii_code(world: World, client: TestClient, db: Session, code: str) -> None:
    case = file_case(db, world.subjects["agent"])
    resp = client.get("/api/v1/track", params={"number": case.number, "code": code})
    assert resp.status_code == 404
    assert resp.json()["error"] == "not_found"


def test_the_api_answers_404_to_a_non_ascii_number(world: World, client: TestClient, db: Session) -> None:
    case = file_case(db, world.subjects["agent"])
    resp = client.get("/api/v1/track", params={"number": "工单" + case.number, "code": case.lookup_code})
    assert resp.status_code == 404


def test_the_right_code_in_lower_case_still_tracks(world: World, client: TestClient, db: Session) -> None:
    case = file_case(db, world.subjects["agent"])
    resp = client.get("/api/v1/track", params={"number": case.number, "code": case.lookup_code.lower()})
    assert resp.status_code == 200
    assert resp.json()["number"] == case.number


@pytest.mark.parametrize("code", ODD_CODES)
def test_the_portal_tracking_form_answers_404_to_a_non_ascii_code(world: World, client: TestClient, db: Session,
                                                                 code: str) -> None:
    case = file_case(db, world.subjects["agent"])
    resp = client.get("/portal/track", params={"number": case.number, "code": code})
    assert resp.status_code == 404
    assert case.title not in resp.text


def test_any_code_but_the_right_one_is_not_found(world: World, db: Session) -> None:
    case = file_case(db, world.subjects["agent"])

    @settings(max_examples=80, deadline=None)
    @given(code=st.text(max_size=12) | st.just(case.lookup_code.lower()))
    def check(code: str) -> None:
        if code.strip().upper() == case.lookup_code:
            assert public.find(db, case.number, code).id == case.id
        else:
            with pytest.raises(NotFound):
                public.find(db, case.number, code)

    check()


@pytest.mark.parametrize("token", ["查询码", "é" * 8])
def test_the_rating_form_on_the_tracking_page_refuses_a_non_ascii_csrf_token(world: World, client: TestClient,
                                                                             db: Session, token: str) -> None:
    case = file_case(db, world.subjects["agent"])
    client.get("/portal")  # sets the signed CSRF cookie
    form = {"csrf_token": token, "number": case.number, "code": case.lookup_code, "satisfaction": "satisfied"}
    resp = client.post("/portal/rate", data=form)
    assert resp.status_code == 403
