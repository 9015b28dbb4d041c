"""Shared fixtures. Tests run against a real PostGIS database (see README)."""

import datetime as dt

import pytest
from django.contrib.gis.geos import LineString, Polygon

from amenagements import services
from amenagements.models import Amenagement
from tests.amenagements.fixtures import make


@pytest.fixture
def line():
    """A 300-odd metre east-west line in Lyon (Presqu'île), in SRID 4326."""
    return LineString((4.8320, 45.7600), (4.8360, 45.7600), srid=4326)


@pytest.fixture
def amenagement(db, line):
    return services.amenagement_create(
        name="Piste de la rue Test",
        kind=Amenagement.Kind.BIKE_LANE,
        status=Amenagement.Status.TESTING,
        geom=line,
        date=dt.date(2020, 5, 11),
        commune=services.commune_get_or_create(name="Lyon"),
        opened_on=dt.date(2020, 5, 11),
    )


@pytest.fixture
def network(db):
    """Four arrangements: three lines in Lyon and Villeurbanne of different kinds and statuses,
    and a terrace (a polygon)."""
    return [
        make("Rue A", offset=0.00),
        make("Rue B", offset=0.01, status=Amenagement.Status.PERMANENT),
        make("Rue C", offset=0.02, kind=Amenagement.Kind.PEDESTRIAN_STREET, commune="Villeurbanne"),
        make(
            "Place D",
            kind=Amenagement.Kind.TERRACE,
            geom=Polygon.from_bbox((4.90, 45.70, 4.901, 45.701)),
        ),
    ]
