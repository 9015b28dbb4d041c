"""GeoJSON import, geometry: degenerate and invalid geometries repaired or rejected, CRS honoured.

Report lines are compared with the `geometry` module's message constants.
"""

import json

import pytest
from django.contrib.gis.geos import GEOSGeometry

from amenagements.importing import SnapshotFileError, SnapshotMapping, geometry, snapshot_parse
from tests.amenagements.test_importing import DATA, L1, feature_line, imported, run_import


@pytest.mark.django_db
def test_invalid_polygon_is_repaired_into_its_valid_parts():
    output = run_import("invalid_geometry.geojson")

    bow_tie = json.loads((DATA / "invalid_geometry.geojson").read_text())["features"][0]
    why = GEOSGeometry(json.dumps(bow_tie["geometry"])).valid_reason  # GEOS words it
    assert why.startswith("Self-intersection")
    assert feature_line(0, geometry.REPAIR_INVALID_GEOMETRY % {"reason": why}) in output
    place = imported()["a"]
    assert place.geom.geom_type == "MultiPolygon"
    assert place.geom.valid
    assert len(place.geom) == 2  # the bow-tie's two triangles
    assert "b" in imported()


@pytest.mark.django_db
def test_degenerate_and_empty_lines_are_rejected():
    output = run_import("degenerate_line.geojson")

    assert feature_line(1, geometry.REJECT_DEGENERATE_LINE) in output
    assert feature_line(2, geometry.REJECT_DEGENERATE_LINE) in output
    assert feature_line(3, geometry.REJECT_EMPTY_GEOMETRY) in output
    assert set(imported()) == {"a"}


@pytest.mark.django_db
def test_null_geometry_is_rejected():
    output = run_import("null_geometry.geojson")

    assert feature_line(0, geometry.REJECT_NO_GEOMETRY) in output
    assert set(imported()) == {"b"}


@pytest.mark.django_db
def test_point_is_rejected_as_not_an_arrangement():
    output = run_import("point.geojson")

    assert feature_line(1, geometry.REJECT_POINT % {"type": "Point"}) in output
    assert set(imported()) == {"a"}


@pytest.mark.django_db
def test_declared_lambert93_coordinates_land_at_the_right_place():
    run_import("lambert93.geojson")

    geom = imported()["a"].geom
    assert geom.srid == 4326
    # The file's two points are these WGS 84 positions, projected with GDAL beforehand.
    assert geom.equals_exact(L1, tolerance=1e-7)


def test_srid_option_overrides_the_declared_crs():
    data = (DATA / "lambert93.geojson").read_bytes()

    parsed = snapshot_parse(data=data, mapping=SnapshotMapping(srid=2154))
    wrong = snapshot_parse(data=data, mapping=SnapshotMapping(srid=4326))

    assert parsed.records[0].geom.equals_exact(L1, tolerance=1e-7)
    assert [issue.code for issue in wrong.rejected] == ["not_lonlat"]


def test_unknown_srid_is_refused():
    data = (DATA / "lambert93.geojson").read_bytes()

    with pytest.raises(SnapshotFileError) as exc_info:
        snapshot_parse(data=data, mapping=SnapshotMapping(srid=999999))

    assert str(exc_info.value) == str(geometry.ERROR_SRID_UNKNOWN % {"srid": 999999})
