"""Governance pages: the field catalogue for administrators only."""

from __future__ import annotations

from fastapi.testclient import TestClient
from web_helpers import login

from builders import World


def test_catalogue_page_filters_to_personal_data(client: TestClient, world: World) -> None:
    login(client, "admin")
    page = client.get("/admin/catalogue", params={"pi": "1"})
    assert page.status_code == 200
    assert "<code>reporter_phone</code>" in page.text
    assert "<code>grade</code>" not in page.text  # not personal data, so filtered out
    assert "<code>grade</code>" in client.get("/admin/catalogue").text


def test_catalogue_page_is_refused_to_a_dispatcher(client: TestClient, world: World) -> None:
    login(client, "dispatcher")
    assert client.get("/admin/catalogue").status_code == 403
