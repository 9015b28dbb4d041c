"""The read-only REST API, version 1 (/api/v1/), described in OpenAPI 3 (/api/v1/openapi.json)
with its documentation served by the app (/api/v1/docs: Swagger UI from django-ninja's own
static files, no CDN).

Why django-ninja (1.7, pinned) rather than DRF + drf-spectacular: the API is a handful of
read-only lists, and ninja generates OpenAPI 3 from typed functions and pydantic schemas with
no serializer layer; it ships Swagger UI and ReDoc in its static files (drf-spectacular needs a
second package, drf-spectacular-sidecar, not to load them from a CDN); it is typed (mypy strict
here) and actively released.

Rules: GET only; every list is paginated (`page`, `page_size` ≤ 200) and ordered stably; filters
are those the map uses (`commune` slug, `status`, `kind`, `bbox`) plus `since` / `until` (dates,
both included; each list says which date). Each answer carries an ETag, is revalidated with a
304 and cached a minute (`common.caching.geojson_response`, the map layers' rule). Data are
under the open data licence (`TACTIQUE_OPEN_DATA_LICENCE`). Nothing personal is ever returned.
The map's own GeoJSON endpoint (/api/amenagements.geojson) is unchanged.

No `from __future__ import annotations` here: ninja reads the parameters' annotations at run
time (`Query[…]`), which postponed (string) annotations would hide from it.
"""

import datetime as dt
from typing import Any

from django.conf import settings
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _
from ninja import Field, NinjaAPI, Query, Schema
from ninja import Status as Answer
from ninja.decorators import decorate_view
from ninja.errors import HttpError
from ninja.pagination import PageNumberPagination, paginate

from amenagements.models import Amenagement
from amenagements.selectors import Bbox, parse_bbox
from common.caching import geojson_response
from opendata import api_selectors as selectors
from opendata.schemas import (
    AdaptationKind,
    AdaptationOut,
    AmenagementDetailOut,
    AmenagementOut,
    CounterOut,
    DailyTotalOut,
    ErrorOut,
    Kind,
    MonthlyTotalOut,
    ProposalAction,
    ProposalOut,
    ProposalStatus,
    Status,
    UsageEffectOut,
)

ERROR_BBOX = _("Invalid bbox: expected minlon,minlat,maxlon,maxlat in degrees.")
ERROR_NO_AMENAGEMENT = _("No arrangement with this identifier.")
ERROR_NO_COUNTER = _("No counter with this identifier.")
ERROR_PERIOD = _("“since” is after “until”.")

PAGE_SIZE = 50
PAGE_SIZE_MAX = 200
PAGE_MAX = 100_000  # beyond, an offset would mean nothing but work for the database

api = NinjaAPI(
    title="Tactique",
    version="1",
    description=(
        "API en lecture seule des données ouvertes de Tactique : aménagements et leurs "
        "versions, adaptations, compteurs et leurs totaux, effets des adaptations sur l'usage, "
        "propositions d'ajustement et décisions. Licence : "
        f"{settings.TACTIQUE_OPEN_DATA_LICENCE} ({settings.TACTIQUE_OPEN_DATA_LICENCE_URL})."
    ),
    urls_namespace="api-v1",
)


class Pagination(PageNumberPagination):
    """Pages of `page_size` items (50 by default, at most 200), numbered from 1."""

    class Input(Schema):
        page: int = Field(1, ge=1, le=PAGE_MAX)
        page_size: int | None = Field(None, ge=1, le=PAGE_SIZE_MAX)

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(page_size=PAGE_SIZE, max_page_size=PAGE_SIZE_MAX, **kwargs)


class PeriodQuery(Schema):
    since: dt.date | None = Field(None, description="Date minimale (incluse).")
    until: dt.date | None = Field(None, description="Date maximale (incluse).")

    def period(self) -> selectors.Period:
        if self.since and self.until and self.since > self.until:
            raise HttpError(400, str(ERROR_PERIOD))
        return selectors.Period(since=self.since, until=self.until)


# A slug's characters only: anything else (a NUL byte, which PostgreSQL refuses in text) is
# a 422 saying so, never a server error.
COMMUNE = Field(
    "",
    max_length=150,
    pattern=r"^[-a-zA-Z0-9_]*$",
    description="Slug de la commune, ex. « lyon ».",
)
BBOX = Field(
    None,
    max_length=200,
    description="Emprise minlon,minlat,maxlon,maxlat (degrés WGS 84).",
    examples=["4.80,45.73,4.90,45.79"],
)


def _bbox(text: str | None) -> Bbox | None:
    bbox = parse_bbox(text)
    if text and bbox is None:
        raise HttpError(400, str(ERROR_BBOX))
    return bbox


class AmenagementFilters(PeriodQuery):
    commune: str = COMMUNE
    status: Status | None = None  # type: ignore[valid-type]
    kind: Kind | None = None  # type: ignore[valid-type]
    bbox: str | None = BBOX


cached = decorate_view(geojson_response)


@api.get("/amenagements", response=list[AmenagementOut], tags=["aménagements"])
@cached
@paginate(Pagination)
def amenagements(request: HttpRequest, filters: Query[AmenagementFilters]) -> Any:
    """Les aménagements, par identifiant ; `since` / `until` bornent la date d'ouverture."""
    return selectors.amenagement_list(
        commune=filters.commune,
        status=filters.status or "",
        kind=filters.kind or "",
        bbox=_bbox(filters.bbox),
        period=filters.period(),
    )


@api.get(
    "/amenagements/{slug}",
    response={200: AmenagementDetailOut, 404: ErrorOut},
    tags=["aménagements"],
)
@cached
def amenagement(request: HttpRequest, slug: str) -> Any:
    """Un aménagement avec chaque version de son tracé, ses adaptations et les notes des
    habitants agrégées par version et indicateur (jamais une note individuelle)."""
    try:
        obj = selectors.amenagement_detail(slug=slug)
    except Amenagement.DoesNotExist:
        return Answer(404, {"detail": str(ERROR_NO_AMENAGEMENT)})
    obj.opinions = selectors.opinion_aggregates(amenagement=obj)  # type: ignore[attr-defined]
    return Answer(200, obj)


class AdaptationFilters(PeriodQuery):
    commune: str = COMMUNE
    kind: AdaptationKind | None = None  # type: ignore[valid-type]


@api.get("/adaptations", response=list[AdaptationOut], tags=["aménagements"])
@cached
@paginate(Pagination)
def adaptations(request: HttpRequest, filters: Query[AdaptationFilters]) -> Any:
    """Les adaptations, par date ; `since` / `until` bornent leur date."""
    return selectors.adaptation_list(
        commune=filters.commune, kind=filters.kind or "", period=filters.period()
    )


class CounterFilters(Schema):
    bbox: str | None = BBOX
    amenagement: str = Field("", max_length=120, description="Aménagement mesuré (slug).")


@api.get("/compteurs", response=list[CounterOut], tags=["comptages"])
@cached
@paginate(Pagination)
def counters(request: HttpRequest, filters: Query[CounterFilters]) -> Any:
    """Les compteurs automatiques et les aménagements que chacun mesure."""
    return selectors.counter_list(bbox=_bbox(filters.bbox), amenagement=filters.amenagement)


def _counter(counter_id: int) -> int:
    if not selectors.counter_exists(counter_id=counter_id):
        raise HttpError(404, str(ERROR_NO_COUNTER))
    return counter_id


@api.get(
    "/compteurs/{counter_id}/totaux-journaliers",
    response={200: list[DailyTotalOut], 404: ErrorOut},
    tags=["comptages"],
)
@cached
@paginate(Pagination)
def daily_totals(request: HttpRequest, counter_id: int, filters: Query[PeriodQuery]) -> Any:
    """Les totaux d'un compteur par jour local (Europe/Paris), avec leur complétude."""
    return selectors.daily_totals(counter_id=_counter(counter_id), period=filters.period())


@api.get(
    "/compteurs/{counter_id}/totaux-mensuels",
    response={200: list[MonthlyTotalOut], 404: ErrorOut},
    tags=["comptages"],
)
@cached
@paginate(Pagination)
def monthly_totals(request: HttpRequest, counter_id: int, filters: Query[PeriodQuery]) -> Any:
    """Les totaux d'un compteur par mois ; `since` / `until` bornent le premier jour du mois."""
    return selectors.monthly_totals(counter_id=_counter(counter_id), period=filters.period())


class ProposalFilters(PeriodQuery):
    commune: str = COMMUNE
    status: ProposalStatus | None = None  # type: ignore[valid-type]
    action: ProposalAction | None = None  # type: ignore[valid-type]


@api.get("/propositions", response=list[ProposalOut], tags=["évaluation"])
@cached
@paginate(Pagination)
def proposals(request: HttpRequest, filters: Query[ProposalFilters]) -> Any:
    """Les propositions d'ajustement et les décisions publiques des services, par date."""
    return selectors.proposal_list(
        commune=filters.commune,
        status=filters.status or "",
        action=filters.action or "",
        period=filters.period(),
    )


class EffectFilters(PeriodQuery):
    commune: str = COMMUNE


@api.get("/effets-usage", response=list[UsageEffectOut], tags=["évaluation"])
@cached
@paginate(Pagination)
def usage_effects(request: HttpRequest, filters: Query[EffectFilters]) -> Any:
    """L'effet estimé de chaque adaptation sur les comptages, avec son intervalle à 95 % et
    ses réserves ; `since` / `until` bornent la date de l'adaptation."""
    return selectors.usage_effect_list(commune=filters.commune, period=filters.period())
