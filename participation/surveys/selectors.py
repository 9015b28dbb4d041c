"""Reads of the survey import: which arrangement an answer is about, and which layout version
was in force on its date.

- By coordinates: the arrangement nearest to the point, measured in the metric CRS
  (`TACTIQUE_METRIC_SRID`) against its current geometry, if it is at most
  `MATCH_DISTANCE_M` away. Two arrangements equally near (within `TIE_M`: a shared stretch,
  a bike lane along a bus lane) make the point ambiguous.
- By name: the arrangements of the commune (every commune when the line gives none) that the
  map's search finds for the street (`amenagements.selectors.amenagement_queryset`: every word
  close to a word of the name, accents and case aside, pg_trgm); among several, the one whose
  name is the street's exactly (accents and case aside); otherwise several are ambiguous.
- The version in force on a date is the one whose [valid_from, valid_to) holds it; without a
  date, the current one.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass

from django.conf import settings
from django.contrib.gis.db.models.functions import Distance, Transform
from django.contrib.gis.geos import Point, Polygon
from django.contrib.gis.measure import D
from django.db.models import QuerySet

from amenagements.models import Amenagement, AmenagementVersion, Commune
from amenagements.selectors import AmenagementFilters, amenagement_queryset, search_words
from common.text import fold

MATCH_DISTANCE_M = 50.0
TIE_M = 0.5
# Metres in a degree of latitude, to draw the box the spatial index narrows the search to.
METRES_PER_DEGREE = 111_320.0

FIELDS = ("slug", "name", "kind", "status", "commune_id")


@dataclass(frozen=True)
class Found:
    """What a search for an answer's arrangement found: one arrangement, or the candidates
    that make it ambiguous (none: nothing found)."""

    amenagement: Amenagement | None
    candidates: tuple[Amenagement, ...] = ()


def _base() -> QuerySet[Amenagement]:
    return Amenagement.objects.only(*FIELDS)


def nearest_amenagements(*, longitude: float, latitude: float) -> Found:
    """The arrangement nearest to the point within `MATCH_DISTANCE_M`, or the equally near
    ones (module doc). One query."""
    srid = settings.TACTIQUE_METRIC_SRID
    point = Point(longitude, latitude, srid=4326)
    # A box a little wider than the distance, in degrees, so that the spatial index does the
    # narrowing; the distance itself is measured in metres.
    margin = 2 * MATCH_DISTANCE_M / METRES_PER_DEGREE
    lon_margin = margin / max(math.cos(math.radians(latitude)), 0.01)
    box = Polygon.from_bbox(
        (longitude - lon_margin, latitude - margin, longitude + lon_margin, latitude + margin)
    )
    box.srid = 4326
    rows = list(
        _base()
        .filter(geom__bboverlaps=box)
        .annotate(distance=Distance(Transform("geom", srid), point.transform(srid, clone=True)))
        .filter(distance__lte=D(m=MATCH_DISTANCE_M))
        .order_by("distance", "pk")[:5]
    )
    if not rows:
        return Found(None)
    nearest = [a for a in rows if a.distance.m - rows[0].distance.m <= TIE_M]
    if len(nearest) == 1:
        return Found(nearest[0])
    return Found(None, tuple(nearest))


def communes_by_name() -> dict[str, int]:
    """Every commune's id under its folded name and its INSEE code. One query."""
    found: dict[str, int] = {}
    for pk, name, insee in Commune.objects.values_list("pk", "name", "insee_code"):
        found[fold(name)] = pk
        if insee:
            found[insee] = pk
    return found


def amenagements_named(*, street: str, commune_id: int | None) -> Found:
    """The arrangement the street names in the commune (module doc). One query."""
    if not search_words(street):
        return Found(None)
    qs = amenagement_queryset(AmenagementFilters(q=street)).only(*FIELDS)
    if commune_id is not None:
        qs = qs.filter(commune_id=commune_id)
    candidates = list(qs.order_by("name", "pk")[:10])
    if len(candidates) == 1:
        return Found(candidates[0])
    exact = [a for a in candidates if fold(a.name) == fold(street)]
    if len(exact) == 1:
        return Found(exact[0])
    return Found(None, tuple(exact or candidates))


def versions_of(amenagement: Amenagement) -> list[AmenagementVersion]:
    """The arrangement's layout versions, oldest first. One query."""
    return list(
        AmenagementVersion.objects.filter(amenagement=amenagement)
        .only("number", "valid_from", "valid_to", "amenagement_id")
        .order_by("valid_from", "number")
    )


def version_at(
    versions: list[AmenagementVersion], date: dt.date | None
) -> AmenagementVersion | None:
    """The version in force on `date` ([valid_from, valid_to)), the current one without a date;
    None when none was (a date before the arrangement existed)."""
    for version in versions:
        if date is None:
            if version.valid_to is None:
                return version
        elif version.valid_from <= date and (version.valid_to is None or date < version.valid_to):
            return version
    return None
