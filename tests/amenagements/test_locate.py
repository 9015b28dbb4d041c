"""Snapping a point onto an arrangement and its position along the line (linear referencing)."""

import datetime as dt

import pytest
from django.contrib.gis.geos import LineString, MultiLineString, Point, Polygon

from amenagements import selectors, services
from amenagements.models import Amenagement

pytestmark = pytest.mark.django_db


def create(geom):
    return services.amenagement_create(
        name="Rue",
        kind=Amenagement.Kind.BIKE_LANE,
        status=Amenagement.Status.TESTING,
        geom=geom,
        date=dt.date(2020, 5, 11),
    )


def metric_length(geom) -> float:
    return geom.transform(2154, clone=True).length


def test_a_point_beside_a_line_is_snapped_and_located_along_it(amenagement, line):
    # 20 % of the way along the line, about 11 m north of it.
    beside = Point(4.8328, 45.7601, srid=4326)

    location = selectors.amenagement_locate(amenagement=amenagement, point=beside)

    assert location.point.y == pytest.approx(45.7600, abs=1e-6)
    assert location.point.x == pytest.approx(4.8328, abs=1e-5)
    assert location.position_m == pytest.approx(0.2 * metric_length(line), rel=0.01)
    assert location.distance_m == pytest.approx(11.1, abs=0.5)


def test_positions_on_a_multiline_run_end_to_end_over_its_parts():
    first = LineString((4.83, 45.76), (4.832, 45.76), srid=4326)
    second = LineString((4.84, 45.76), (4.842, 45.76), srid=4326)
    arrangement = create(MultiLineString(first, second, srid=4326))

    location = selectors.amenagement_locate(
        amenagement=arrangement, point=Point(4.841, 45.7601, srid=4326)
    )

    expected = metric_length(first) + metric_length(second) / 2
    assert location.position_m == pytest.approx(expected, rel=0.01)


def test_a_polygon_snaps_but_has_no_position_along():
    square = create(Polygon.from_bbox((4.90, 45.70, 4.901, 45.701)))

    location = selectors.amenagement_locate(
        amenagement=square, point=Point(4.9005, 45.7015, srid=4326)
    )

    assert location.position_m is None
    assert location.point.y == pytest.approx(45.701, abs=1e-6)
    assert location.distance_m == pytest.approx(55.6, abs=1)


def test_locating_takes_one_query(amenagement, django_assert_num_queries):
    with django_assert_num_queries(1):
        selectors.amenagement_locate(amenagement=amenagement, point=Point(4.833, 45.76))
