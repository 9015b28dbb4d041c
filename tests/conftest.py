"""Shared fixtures. Tests run against a real PostGIS database (see README)."""

import datetime as dt

import pytest
from django.contrib.gis.geos import LineString, Polygon
from django.db import connection

from amenagements import services
from amenagements.models import Amenagement
from tests.amenagements.fixtures import make


@pytest.fixture(autouse=True)
def _no_jobs_outlive_a_transactional_test(request):
    """Django flushes its own tables after a transactional test, not procrastinate's: the
    jobs such a test queued are removed here, so that no later test runs them."""
    yield
    marker = request.node.get_closest_marker("django_db")
    if "live_server" in request.fixturenames or (marker and marker.kwargs.get("transaction")):
        with connection.cursor() as cursor:
            cursor.execute("TRUNCATE procrastinate_jobs, procrastinate_events CASCADE")


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
