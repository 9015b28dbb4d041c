"""Reads on arrangements, shaped for each page.

The map's GeoJSON is built by PostGIS in a single query (`ST_AsGeoJSON` + `json_agg`), never by
serialising model instances in Python: the response body comes out of the database as text.
Lengths and areas are measured in `settings.TACTIQUE_METRIC_SRID` (Lambert-93 by default).
"""

from __future__ import annotations

import datetime as dt
import json
import re
import unicodedata
from dataclasses import dataclass
from typing import Any, cast

from django.conf import settings
from django.contrib.gis.db.models.functions import Area, Length, Transform
from django.contrib.gis.geos import GEOSGeometry, Point, Polygon
from django.contrib.postgres.search import TrigramWordSimilarity
from django.db import connection
from django.db.models import F, Func, Prefetch, QuerySet, TextField, Value
from django.db.models.functions import Coalesce, Concat, Least, Lower
from django.utils.translation import gettext_lazy as _

from amenagements.facets import Facet, FacetFilters, choices_facet, commune_facet
from amenagements.models import (
    Adaptation,
    Amenagement,
    AmenagementVersion,
    Commune,
    PlannedAdaptation,
)
from common.sql import query_text

ERROR_NOT_FOUND = _("No arrangement with this address.")


@dataclass(frozen=True)
class AmenagementFilters(FacetFilters):
    """The public map's filters. Empty strings mean "any"."""

    kind: str = ""
    status: str = ""
    commune: str = ""  # a commune slug
    q: str = ""  # words of a name or a street (the search rule, below)

    CHOICES = {"kind": Amenagement.Kind.values, "status": Amenagement.Status.values}


# Search (`q`): an arrangement matches when every word typed is close to a word of its name or
# of its commune's — accents and case aside, a typo allowed: PostgreSQL's trigram word
# similarity (pg_trgm) of each word against the unaccented text, at least `SEARCH_SIMILARITY`.
# "perache" finds "Quai Perrache", "croix rousse" the arrangements of "Lyon 4e — Croix-Rousse".
SEARCH_SIMILARITY = 0.5
SEARCH_WORDS_MAX = 8
WORD = re.compile(r"\w+")


class _Unaccent(Func):
    function = "unaccent"
    output_field = TextField()


def _search_text() -> Func:
    return _Unaccent(
        Lower(Concat("name", Value(" "), Coalesce("commune__name", Value("")))),
        output_field=TextField(),
    )


def _folded(word: str) -> str:
    """A word lowercased and without its accents, as `unaccent(lower(…))` leaves the text."""
    decomposed = unicodedata.normalize("NFKD", word.lower())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def search_words(q: str) -> list[str]:
    """The words of a search, at most `SEARCH_WORDS_MAX`, of two characters or more."""
    return [w for w in WORD.findall(q) if len(w) >= 2][:SEARCH_WORDS_MAX]


def amenagement_queryset(filters: AmenagementFilters) -> QuerySet[Amenagement]:
    qs = Amenagement.objects.all()
    words = search_words(filters.q)
    if words:
        text = _search_text()
        similarities = [TrigramWordSimilarity(_folded(word), text) for word in words]
        qs = qs.annotate(
            search_match=Least(*similarities) if len(similarities) > 1 else similarities[0]
        ).filter(search_match__gte=SEARCH_SIMILARITY)
    if filters.kind:
        qs = qs.filter(kind=filters.kind)
    if filters.status:
        qs = qs.filter(status=filters.status)
    if filters.commune:
        qs = qs.filter(commune__slug=filters.commune)
    return qs


def amenagement_list(filters: AmenagementFilters) -> QuerySet[Amenagement]:
    """The arrangements matching `filters`, with their commune, for the accessible list."""
    qs = (
        amenagement_queryset(filters)
        .select_related("commune")
        .only("slug", "name", "kind", "status", "commune__name", "opened_on")
    )
    if search_words(filters.q):
        return qs.order_by(F("search_match").desc(), "name", "pk")  # the closest first
    return qs.order_by("name", "pk")


def filter_facets(filters: AmenagementFilters) -> dict[str, Facet]:
    """For each filter of the map, the values present with their count given the *other*
    filters (`amenagements.facets`): {"kind": […], "status": […], "commune": […]}."""
    return {
        "kind": choices_facet(amenagement_queryset, filters, "kind", Amenagement.Kind.choices),
        "status": choices_facet(
            amenagement_queryset, filters, "status", Amenagement.Status.choices
        ),
        "commune": commune_facet(amenagement_queryset, filters),
    }


def commune_list() -> QuerySet[Commune]:
    return Commune.objects.all()


Bbox = tuple[float, float, float, float]


def parse_bbox(text: str | None) -> Bbox | None:
    """`"minlon,minlat,maxlon,maxlat"` → a tuple, or None when absent or malformed."""
    if not text:
        return None
    try:
        values = tuple(float(v) for v in text.split(","))
    except ValueError:
        return None
    if len(values) != 4:
        return None
    minx, miny, maxx, maxy = values
    if not (-180 <= minx < maxx <= 180 and -90 <= miny < maxy <= 90):
        return None
    return (minx, miny, maxx, maxy)


def amenagement_geojson(*, filters: AmenagementFilters, bbox: Bbox | None = None) -> str:
    """A GeoJSON FeatureCollection (RFC 7946) of the matching arrangements, built by PostGIS.

    One query whatever the number of features. Properties are what the map needs to style and
    label each feature; the page's URL lets the map open the summary panel.
    """
    qs = amenagement_queryset(filters)
    if bbox is not None:
        # `&&` on the spatial index: bounding boxes intersect. Good enough to cull a map view.
        qs = qs.filter(geom__bboverlaps=Polygon.from_bbox(bbox))
    # The subquery only selects ids: drop the model's default ordering, a wasted sort.
    inner_sql, params = qs.values("pk").order_by().query.sql_with_params()
    # The document is concatenated as text: ST_AsGeoJSON already returns JSON text, and
    # re-parsing it with ::json just to nest it would cost a third of the query's time.
    sql = f"""
        SELECT '{{"type":"FeatureCollection","features":['
            || COALESCE(string_agg(
                '{{"type":"Feature","id":' || to_json(a.slug)::text
                || ',"geometry":' || ST_AsGeoJSON(a.geom, 6)
                || ',"properties":' || json_build_object(
                    'slug', a.slug, 'name', a.name, 'kind', a.kind, 'status', a.status
                )::text
                || '}}',
                ',' ORDER BY a.name, a.id
            ), '')
            || ']}}'
        FROM {Amenagement._meta.db_table} a
        WHERE a.id IN ({inner_sql})
    """  # noqa: S608 -- the only interpolations are a table name and Django-compiled SQL.
    return query_text(sql, params, model=Amenagement)


def with_measures(qs: QuerySet[Amenagement]) -> QuerySet[Amenagement]:
    """Annotate `length_raw` and `area_raw` (Distance and Area objects: read `.m`, `.sq_m`),
    measured in the metric CRS. PostGIS gives a length of 0 for polygons and an area of 0 for
    lines, so templates show whichever is non-zero."""
    projected = Transform("geom", settings.TACTIQUE_METRIC_SRID)
    return qs.annotate(length_raw=Length(projected), area_raw=Area(projected))


def commune_names(*, ids: frozenset[int]) -> list[str]:
    """The names of these communes, in alphabetical order."""
    return list(Commune.objects.filter(pk__in=ids).order_by("name").values_list("name", flat=True))


def merged_into(*, slug: str) -> str | None:
    """The slug of the shared stretch an arrangement of this former slug was merged into."""
    return (
        Amenagement.objects.filter(former_slugs__contains=[slug])
        .values_list("slug", flat=True)
        .first()
    )


def amenagement_detail(*, slug: str) -> Amenagement:
    """The arrangement with its commune, measures, versions, adaptations (with the planned
    adaptation each carried out and its proposal) and the adaptations still planned or
    cancelled (with the proposal they come from). 4 queries."""
    return (
        with_measures(Amenagement.objects.select_related("commune"))
        .prefetch_related(
            Prefetch("versions", queryset=AmenagementVersion.objects.order_by("-number")),
            Prefetch(
                "adaptations",
                queryset=Adaptation.objects.select_related(
                    "version", "carries_out__proposal__run"
                ).order_by("-date", "-pk"),
            ),
            Prefetch(
                "planned_adaptations",
                queryset=PlannedAdaptation.objects.exclude(status=PlannedAdaptation.Status.DONE)
                .select_related("proposal__run")
                .order_by("-created_at", "-pk"),
                to_attr="pending_or_cancelled",
            ),
        )
        .get(slug=slug)
    )


def amenagement_summary(*, slug: str) -> Amenagement:
    """The arrangement for the map's side panel: measures and the latest adaptation."""
    return (
        with_measures(Amenagement.objects.select_related("commune"))
        .prefetch_related(
            Prefetch("adaptations", queryset=Adaptation.objects.order_by("-date", "-pk"))
        )
        .get(slug=slug)
    )


def age_in_days(amenagement: Amenagement, today: dt.date) -> int | None:
    """Days since the arrangement opened, or None when the opening date is unknown."""
    if amenagement.opened_on is None:
        return None
    return (today - amenagement.opened_on).days


def versions_geojson(amenagement: Amenagement) -> dict[str, Any]:
    """Every version of the arrangement as a FeatureCollection, for the page's history map.

    Uses the prefetched versions; a handful of geometries, so Python serialisation is fine here.
    """
    features = [
        {
            "type": "Feature",
            "geometry": json.loads(v.geom.geojson),
            "properties": {
                "number": v.number,
                "current": v.valid_to is None,
                "valid_from": v.valid_from.isoformat(),
                "valid_to": v.valid_to.isoformat() if v.valid_to else None,
            },
        }
        for v in amenagement.versions.all()
    ]
    return {"type": "FeatureCollection", "features": features}


@dataclass(frozen=True)
class Location:
    """A point snapped onto an arrangement.

    `position_m` is the distance along the line from its start (linear referencing), in metres
    of the metric CRS; None for polygons, where "along" has no meaning. `distance_m` is how far
    the original point was from the arrangement.
    """

    point: Point
    position_m: float | None
    distance_m: float


def amenagement_locate(*, amenagement: Amenagement, point: Point) -> Location:
    """Snap `point` (any SRID; 4326 if unset) onto the arrangement's current geometry.

    For a multi-line, parts are measured end to end in their stored order, so positions are
    stable as long as the geometry is. One query.
    """
    if point.srid is None:
        point = Point(point.x, point.y, srid=4326)
    srid = settings.TACTIQUE_METRIC_SRID
    sql = f"""
        WITH a AS (
            SELECT ST_Transform(geom, %(srid)s) AS g FROM {Amenagement._meta.db_table}
            WHERE id = %(id)s
        ), p AS (
            SELECT ST_Transform(ST_GeomFromEWKT(%(point)s), %(srid)s) AS pt
        ), parts AS (
            SELECT d.path[1] AS n, d.geom AS part,
                   COALESCE(SUM(ST_Length(d.geom)) OVER (
                       ORDER BY d.path[1] ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING
                   ), 0) AS offset_m
            FROM a, ST_Dump(a.g) AS d
            WHERE GeometryType(a.g) IN ('LINESTRING', 'MULTILINESTRING')
        ), nearest AS (
            SELECT parts.offset_m + ST_LineLocatePoint(parts.part, p.pt) * ST_Length(parts.part)
                   AS position_m
            FROM parts, p ORDER BY ST_Distance(parts.part, p.pt), parts.n LIMIT 1
        )
        SELECT ST_AsEWKT(ST_Transform(ST_ClosestPoint(a.g, p.pt), 4326)),
               (SELECT position_m FROM nearest),
               ST_Distance(a.g, p.pt)
        FROM a, p
    """  # noqa: S608 -- the only interpolation is a table name.
    with connection.cursor() as cursor:
        cursor.execute(sql, {"srid": srid, "id": amenagement.pk, "point": point.ewkt})
        ewkt, position_m, distance_m = cursor.fetchone()
    # ST_ClosestPoint of a point is a point.
    point = cast(Point, GEOSGeometry(ewkt))
    return Location(point=point, position_m=position_m, distance_m=distance_m)


def attributions() -> QuerySet[Amenagement, str]:
    """The licence and attribution of each source of arrangements (distinct, non-empty)."""
    return (
        Amenagement.objects.exclude(attribution="")
        .order_by()
        .values_list("attribution", flat=True)
        .distinct()
    )
