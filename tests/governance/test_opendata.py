"""Open data: datasets without personal data, k-anonymous statistics, DCAT-AP JSON-LD and CKAN's read API."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path
from typing import Any

import pytest
from pyshacl import validate
from rdflib import Graph, Namespace
from rdflib.namespace import RDF

from builders import DISTRICT, OTHER_STREET, file_case
from cityloop.areas.divisions.models import Division
from cityloop.areas.grids.service import import_geojson
from cityloop.governance.opendata.service import clear_cache

SHAPES = Path(__file__).parent / "data" / "dcat_ap_core.ttl"
DCAT = Namespace("http://www.w3.org/ns/dcat#")
COMMUNITY = "330106001001"


@pytest.fixture
def city(db, world):  # type: ignore[no-untyped-def]
    """Six cases of one category in 西湖区, two in 拱墅区 (too few to publish), and one grid."""
    for _ in range(6):
        file_case(db, world.subjects["agent"])
    for _ in range(2):
        file_case(db, world.subjects["agent"], location={"division_code": OTHER_STREET})
    db.add(Division(code=COMMUNITY, name="甲社区", level=5, parent_code="330106001"))
    db.commit()
    square = {"type": "Polygon", "coordinates": [[[120.1, 30.2], [120.11, 30.2], [120.11, 30.21], [120.1, 30.21],
                                                  [120.1, 30.2]]]}
    grids = {"type": "FeatureCollection", "features": [
        {"type": "Feature", "geometry": square, "properties": {"code": COMMUNITY + "0001", "name": "一号网格"}}]}
    import_geojson(db, world.subjects["admin"], grids)
    clear_cache()
    return world


def _csv(body: bytes) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(body.decode("utf-8-sig"))))


def test_case_statistics_withhold_cells_below_k(client, city) -> None:  # type: ignore[no-untyped-def]
    r = client.get("/open/datasets/case-stats-monthly.csv")
    assert r.status_code == 200
    assert r.headers["content-type"].startswith("text/csv")
    rows = _csv(r.content)
    assert [(row["district_code"], row["category_code"], row["cases"]) for row in rows] == [(DISTRICT, "01", "6")]
    assert rows[0]["district_name"] == "西湖区"
    assert rows[0]["category_name"] == "市容环境"
    assert rows[0]["closed"] == ""  # no case closed: zero is below k too, so it is withheld as well


def test_no_open_dataset_carries_personal_data(client, city) -> None:  # type: ignore[no-untyped-def]
    for name in ("case-stats-monthly.csv", "service-items.csv", "service-places.geojson", "grids.geojson",
                 "grids.xlsx"):
        body = client.get(f"/open/datasets/{name}").content
        assert b"13812345678" not in body, name
        assert "张三".encode() not in body, name


def test_grids_are_published_as_geojson_without_workers(client, city) -> None:  # type: ignore[no-untyped-def]
    r = client.get("/open/datasets/grids.geojson")
    assert r.headers["content-type"].startswith("application/geo+json")
    features = r.json()["features"]
    assert [f["id"] for f in features] == [COMMUNITY + "0001"]
    assert features[0]["geometry"]["type"] == "Polygon"
    assert set(features[0]["properties"]) == {"code", "name", "level", "division_code", "area_m2"}


def test_an_unknown_dataset_or_format_is_404(client, city) -> None:  # type: ignore[no-untyped-def]
    assert client.get("/open/datasets/people.csv").status_code == 404
    assert client.get("/open/datasets/case-stats-monthly.geojson").status_code == 404


def _graph(client) -> Graph:  # type: ignore[no-untyped-def]
    r = client.get("/open/catalog.jsonld")
    assert r.status_code == 200
    assert r.headers["content-type"].startswith("application/ld+json")
    return Graph().parse(data=r.text, format="json-ld")


def test_catalogue_conforms_to_the_dcat_ap_rules(client, city) -> None:  # type: ignore[no-untyped-def]
    conforms, _graph_out, report = validate(_graph(client), shacl_graph=str(SHAPES))
    assert conforms, report


def test_the_dcat_rules_catch_a_dataset_without_a_title(client, city) -> None:  # type: ignore[no-untyped-def]
    graph = _graph(client)
    first = next(graph.subjects(RDF.type, DCAT.Dataset))
    graph.remove((first, Namespace("http://purl.org/dc/terms/").title, None))
    conforms, _graph_out, _report = validate(graph, shacl_graph=str(SHAPES))
    assert not conforms


def test_every_download_url_in_the_catalogue_answers(client, city) -> None:  # type: ignore[no-untyped-def]
    graph = _graph(client)
    datasets = set(graph.subjects(RDF.type, DCAT.Dataset))
    urls = {str(u) for u in graph.objects(None, DCAT.downloadURL)}
    assert len(datasets) >= 3
    assert len(urls) >= len(datasets)
    for url in urls:
        path = url.split("://", 1)[1].split("/", 1)[1]
        assert client.get("/" + path).status_code == 200, url


def test_catalogue_links_use_the_configured_public_address(client, city, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from cityloop.config import get_settings

    monkeypatch.setenv("CITYLOOP_PUBLIC_BASE_URL", "https://data.example.gov.cn")
    get_settings.cache_clear()
    try:
        urls = {str(u) for u in _graph(client).objects(None, DCAT.downloadURL)}
    finally:
        monkeypatch.delenv("CITYLOOP_PUBLIC_BASE_URL")
        get_settings.cache_clear()
    assert urls
    assert all(u.startswith("https://data.example.gov.cn/open/datasets/") for u in urls)


def test_ckan_package_list_and_show(client, city) -> None:  # type: ignore[no-untyped-def]
    listed = client.get("/api/3/action/package_list").json()
    assert listed["success"] is True
    assert "case-stats-monthly" in listed["result"]
    shown = client.get("/api/3/action/package_show", params={"id": "grids"}).json()
    assert shown["success"] is True
    package: dict[str, Any] = shown["result"]
    assert package["name"] == "grids"
    assert package["num_resources"] == len(package["resources"]) == 3
    for resource in package["resources"]:
        path = resource["url"].split("://", 1)[1].split("/", 1)[1]
        assert client.get("/" + path).status_code == 200


def test_ckan_package_show_of_an_unknown_id_is_ckans_404(client, city) -> None:  # type: ignore[no-untyped-def]
    r = client.get("/api/3/action/package_show", params={"id": "nope"})
    assert r.status_code == 404
    assert r.json()["success"] is False
    assert r.json()["error"]["__type"] == "Not Found Error"


def test_ckan_package_search_finds_by_word(client, city) -> None:  # type: ignore[no-untyped-def]
    found = client.get("/api/3/action/package_search", params={"q": "网格"}).json()["result"]
    assert found["count"] == 1
    assert found["results"][0]["name"] == "grids"
    everything = client.get("/api/3/action/package_search", params={"q": "*:*", "rows": 2}).json()["result"]
    assert everything["count"] == 4
    assert len(everything["results"]) == 2


def test_catalogue_is_json_ld_with_a_context(client, city) -> None:  # type: ignore[no-untyped-def]
    body = json.loads(client.get("/open/catalog.jsonld").text)
    assert body["@context"]["dcat"] == str(DCAT)


def test_open_page_lists_every_dataset_with_downloads(client, city) -> None:  # type: ignore[no-untyped-def]
    page = client.get("/open", headers={"Accept": "text/html"})
    assert page.status_code == 200
    for name in ("case-stats-monthly.csv", "service-places.geojson", "grids.xlsx"):
        assert f'href="/open/datasets/{name}"' in page.text
    assert 'href="/open/catalog.jsonld"' in page.text
    assert "Open data" in client.get("/open?lang=en").text


def test_open_page_publishes_the_daily_audit_heads(client, city, db) -> None:  # type: ignore[no-untyped-def]
    from cityloop.audit import service as audit

    audit.record(db, city.subjects["admin"], "export", "case", [1])
    db.commit()
    page = client.get("/open").text
    assert audit.head(db).hash in page
