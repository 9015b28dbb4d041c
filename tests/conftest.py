"""Shared fixtures. Tests run against a real PostGIS database (see README)."""

import datetime as dt

import pytest
from django.contrib.gis.geos import LineString

from amenagements import services
from amenagements.models import Amenagement


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
