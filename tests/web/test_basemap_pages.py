"""Base-map settings on the pages: tile settings as page data, the CSP origin of the tiles, the offline base API."""

from __future__ import annotations

import html
import json
import re
from collections.abc import Callable, Iterator

import pytest
from fastapi.testclient import TestClient
from pydantic import ValidationError
from sqlalchemy.orm import Session

from builders import STREET, World
from cityloop.areas.divisions.models import Division
from cityloop.areas.grids import service as grids
from cityloop.config import Settings, get_settings
from cityloop.kit.auth import Role, Subject
from cityloop.web.basemap import tile_config, tile_origin

TIANDITU = "https://t{s}.tianditu.gov.cn/vec_w/wmts?SERVICE=WMTS&REQUEST=GetTile&LAYER=vec&TILEMATRIXSET=w" \
           "&TILEMATRIX={z}&TILEROW={y}&TILECOL={x}&tk=KEY"
ADMIN = Subject(id=None, name="admin", roles=frozenset({Role.ADMIN}), scope="3301")


@pytest.fixture
def tiles(monkeypatch: pytest.MonkeyPatch) -> Iterator[Callable[..., None]]:
    """Set CITYLOOP_TILE_* for the test; the settings cache is cleared before and after."""
    def use(**values: str) -> None:
        for key, value in values.items():
            monkeypatch.setenv(f"CITYLOOP_TILE_{key.upper()}", value)
        get_settings.cache_clear()

    yield use
    for key in ("URL", "LABEL_URL", "ATTRIBUTION", "SUBDOMAINS", "MAX_ZOOM"):
        monkeypatch.delenv(f"CITYLOOP_TILE_{key}", raising=False)
    get_settings.cache_clear()


def _meta(page: str) -> object:
    found = re.search(r'<meta name="cityloop-tiles" content=\'([^\']*)\'>', page)
    assert found, "map pages carry the tile settings"
    return json.loads(html.unescape(found.group(1)))


def test_without_tiles_the_pages_ask_for_the_offline_base(tiles: Callable[..., None]) -> None:
    tiles()
    assert tile_config() is None
    assert tile_origin() is None


def test_tianditu_hosts_are_listed_one_by_one_for_the_csp(tiles: Callable[..., None]) -> None:
    tiles(url=TIANDITU, label_url=TIANDITU.replace("vec", "cva"), subdomains="01234567", attribution="天地图")
    assert tile_origin() == " ".join(f"https://t{i}.tianditu.gov.cn" for i in range(8))
    config = tile_config()
    assert config is not None
    assert (config["subdomains"], config["max_zoom"], config["attribution"]) == ("01234567", 18, "天地图")


def test_a_tile_server_on_this_site_needs_no_extra_origin(tiles: Callable[..., None]) -> None:
    tiles(url="/tiles/{z}/{x}/{y}.png")
    assert tile_origin() is None
    tiles(url="http://10.1.2.3:8080/{z}/{x}/{y}.png")
    assert tile_origin() == "http://10.1.2.3:8080"


@pytest.mark.parametrize("url", ["https://tiles.example/0/0/0.png", "javascript:alert(1)//{z}{x}{y}",
                                 "tiles/{z}/{x}/{y}.png"])
def test_a_tile_url_that_cannot_work_is_refused_at_startup(url: str) -> None:
    with pytest.raises(ValidationError, match="tile URL"):
        Settings(tile_url=url)


def test_map_pages_carry_the_tile_settings(as_user: Callable[[str], TestClient], tiles: Callable[..., None]) -> None:
    tiles()
    assert _meta(as_user("leader").get("/cockpit").text) is None
    tiles(url=TIANDITU, attribution="天地图 GS(2024)0568号<b>")
    page = as_user("grid_worker").get("/grid").text
    assert _meta(page) == {"url": TIANDITU, "label_url": None, "attribution": "天地图 GS(2024)0568号<b>",
                           "subdomains": "abc", "max_zoom": 18}
    assert "GS(2024)0568号<b>" not in page  # escaped inside the attribute


def test_the_offline_base_needs_a_login_and_keeps_to_the_area(client: TestClient, auth: Callable[[str], dict[str, str]],
                                                              db: Session, world: World) -> None:
    db.add(Division(code=f"{STREET}001", name="甲社区", level=5, parent_code=STREET))
    grids.import_geojson(db, ADMIN, {"type": "FeatureCollection", "features": [{
        "type": "Feature", "properties": {"code": f"{STREET}0010001", "name": "一号网格"},
        "geometry": {"type": "Polygon", "coordinates": [[[120.1, 30.2], [120.11, 30.2], [120.11, 30.21],
                                                         [120.1, 30.21], [120.1, 30.2]]]}}]})
    db.commit()
    assert client.get("/api/v1/basemap").status_code == 401
    mine = client.get("/api/v1/basemap", headers=auth("grid_worker")).json()
    names = {(f["properties"]["kind"], f["properties"]["name"]) for f in mine["features"]}
    assert ("label", "北山街道") in names
    assert ("label", "西湖区") not in names  # the district is above a street worker's area
    assert not client.get("/api/v1/basemap", headers=auth("citizen")).json()["features"]


def test_only_staff_pages_ask_for_the_offline_base(client: TestClient, as_user: Callable[[str], TestClient]) -> None:
    def source(page: str) -> str:
        found = re.search(r'<meta name="cityloop-basemap" content="([^"]*)">', page)
        assert found
        return found.group(1)

    assert source(client.get("/portal").text) == ""  # anonymous: a graticule, no 401 in the console
    assert source(as_user("leader").get("/cockpit").text) == "/api/v1/basemap"
