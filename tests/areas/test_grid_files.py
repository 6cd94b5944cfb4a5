"""Grid files: GeoJSON, Shapefile, GeoPackage and FlatGeobuf round trips, projected layers, clear errors."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
import shapely
from grid_fixtures import ADMIN, COMMUNITY_A, STREET, add_divisions, box, collection, feature, row_of_boxes
from pyproj import Transformer
from shapely.geometry import shape
from sqlalchemy.orm import Session

from cityloop.areas.grids import files as grid_files
from cityloop.areas.grids import index as grid_index
from cityloop.areas.grids import service as grids
from cityloop.kit.errors import ValidationFailed


@pytest.fixture
def city(db: Session) -> Session:
    """A database with the fixture divisions."""
    add_divisions(db)
    return db


def _pyogrio() -> None:
    pytest.importorskip("pyogrio", reason="the gis extra is not installed")


@pytest.mark.parametrize("suffix", [".gpkg", ".shp", ".fgb", ".geojson"])
def test_exported_grids_read_back_with_codes_levels_and_shapes(city: Session, tmp_path: Path, suffix: str) -> None:
    if suffix != ".geojson":
        _pyogrio()
    grids.import_geojson(city, ADMIN, row_of_boxes(COMMUNITY_A, 3))
    street_grid = feature(f"{STREET}0000001", box(120.2, 30.2, 120.21, 30.21), division_code=STREET, level=4)
    grids.import_geojson(city, ADMIN, collection(street_grid))
    exported = grids.export_geojson(city, ADMIN)
    path = tmp_path / f"grids{suffix}"
    grid_files.write_collection(exported, path)

    back = grid_files.read_collection(path)
    by_code = {f["properties"]["code"]: f for f in back["features"]}
    assert sorted(by_code) == sorted(f["properties"]["code"] for f in exported["features"])
    for original in exported["features"]:
        read = by_code[original["properties"]["code"]]
        assert read["properties"]["division_code"] == original["properties"]["division_code"]
        assert read["properties"]["level"] == original["properties"]["level"]
        assert read["properties"]["name"] == original["properties"]["name"]
        assert shape(read["geometry"]).equals(shape(original["geometry"]))


def test_a_geopackage_imports_into_an_empty_city(city: Session, tmp_path: Path) -> None:
    _pyogrio()
    path = tmp_path / "grids.gpkg"
    grid_files.write_collection(row_of_boxes(COMMUNITY_A, 2), path)
    report = grids.import_geojson(city, ADMIN, grid_files.read_collection(path))
    assert report.created == [f"{COMMUNITY_A}0001", f"{COMMUNITY_A}0002"]
    assert grid_index.lookup(city, 120.115, 30.205) == (f"{COMMUNITY_A}0002", COMMUNITY_A)


def test_a_projected_cgcs2000_shapefile_is_reprojected_to_wgs84(city: Session, tmp_path: Path) -> None:
    _pyogrio()
    import pyogrio.raw

    # CGCS2000 3-degree Gauss–Krüger, central meridian 120°E: how Chinese surveying offices deliver grids.
    to_gk = Transformer.from_crs("EPSG:4326", "EPSG:4549", always_xy=True)
    x, y = to_gk.transform([120.10, 120.11, 120.11, 120.10, 120.10], [30.2, 30.2, 30.21, 30.21, 30.2])
    polygon = shapely.Polygon(np.column_stack([x, y]))
    path = tmp_path / "gk.shp"
    pyogrio.raw.write(str(path), shapely.to_wkb(np.array([polygon], dtype=object)),
                      field_data=[np.array([f"{COMMUNITY_A}0009"], dtype=object)], fields=["code"],
                      geometry_type="Polygon", crs="EPSG:4549", driver="ESRI Shapefile")

    data = grid_files.read_collection(path)
    assert data["crs"] == "wgs84"
    assert shape(data["features"][0]["geometry"]).bounds == pytest.approx((120.10, 30.2, 120.11, 30.21), abs=1e-7)
    assert grids.import_geojson(city, ADMIN, data).created == [f"{COMMUNITY_A}0009"]


def test_geographic_cgcs2000_layers_are_passed_on_as_cgcs2000(tmp_path: Path) -> None:
    _pyogrio()
    import pyogrio.raw

    path = tmp_path / "cgcs.gpkg"
    pyogrio.raw.write(str(path), shapely.to_wkb(np.array([shape(box(120.1, 30.2, 120.11, 30.21))], dtype=object)),
                      field_data=[np.array([f"{COMMUNITY_A}0001"], dtype=object)], fields=["code"],
                      geometry_type="Polygon", crs="EPSG:4490", driver="GPKG")
    assert grid_files.read_collection(path)["crs"] == "cgcs2000"


def test_unsupported_and_broken_files_get_clear_errors(tmp_path: Path) -> None:
    with pytest.raises(ValidationFailed) as err:
        grid_files.read_collection(tmp_path / "grids.kml")
    assert ".kml" in err.value.fields["file"][1]
    broken = tmp_path / "broken.geojson"
    broken.write_text("{not json", encoding="utf-8")
    with pytest.raises(ValidationFailed) as err:
        grid_files.read_collection(broken)
    assert "not valid GeoJSON" in err.value.fields["file"][1]
    assert "GeoJSON" in err.value.fields["file"][0]


def test_geojson_export_is_plain_json(tmp_path: Path) -> None:
    path = tmp_path / "g.json"
    data = row_of_boxes(COMMUNITY_A, 1)
    grid_files.write_collection(data, path)
    assert json.loads(path.read_text(encoding="utf-8")) == data


def test_cli_round_trips_a_geopackage_and_refuses_a_bad_one(city: Session, tmp_path: Path) -> None:
    _pyogrio()
    from typer.testing import CliRunner

    from cityloop.areas.grids.cli import grids_app

    source = tmp_path / "in.gpkg"
    grid_files.write_collection(row_of_boxes(COMMUNITY_A, 2), source)
    runner = CliRunner()
    imported = runner.invoke(grids_app, ["import", str(source)])
    assert imported.exit_code == 0, imported.output
    assert json.loads(imported.output)["codes"] == [f"{COMMUNITY_A}0001", f"{COMMUNITY_A}0002"]
    again = runner.invoke(grids_app, ["import", str(source)])
    assert again.exit_code == 1
    assert "features[1]" in again.output
    out = tmp_path / "out.shp"
    assert runner.invoke(grids_app, ["export", "--out", str(out)]).exit_code == 0
    codes = [f["properties"]["code"] for f in grid_files.read_collection(out)["features"]]
    assert codes == [f"{COMMUNITY_A}0001", f"{COMMUNITY_A}0002"]
