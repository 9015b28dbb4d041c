"""Arrangements made for the tests of the map layer and the pages (see the `network` fixture)."""

import datetime as dt

from django.contrib.gis.geos import LineString

from amenagements import services
from amenagements.models import Amenagement

HTMX = {"HTTP_HX_REQUEST": "true"}


def make(
    name,
    *,
    kind=Amenagement.Kind.BIKE_LANE,
    status=Amenagement.Status.TESTING,
    commune="Lyon",
    offset=0.0,
    geom=None,
):
    return services.amenagement_create(
        name=name,
        kind=kind,
        status=status,
        geom=geom or LineString((4.83 + offset, 45.76), (4.835 + offset, 45.761), srid=4326),
        date=dt.date(2020, 5, 11),
        commune=services.commune_get_or_create(name=commune),
        opened_on=dt.date(2020, 5, 11),
    )
