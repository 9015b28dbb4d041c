"""Reads of the read-only API: one queryset per list, filtered, in a stable order, with what its
items show fetched up front (a page of any list costs a fixed number of queries: pinned in
tests/opendata/test_api.py). Geometries come out of PostGIS as GeoJSON text (`AsGeoJSON`)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, cast

from django.contrib.gis.db.models.functions import AsGeoJSON
from django.contrib.gis.geos import Polygon
from django.db.models import Avg, Count, Prefetch, Q, QuerySet

from amenagements.models import Adaptation, Amenagement, AmenagementVersion
from amenagements.selectors import Bbox
from evaluation.models import AdjustmentProposal, UsageEffectResult
from participation.models import Rating
from usage.models import Counter, CounterLink, DailyTotal, MonthlyTotal

PRECISION = 6  # decimals of the coordinates, ~10 cm


@dataclass(frozen=True)
class Period:
    """`since` and `until`, both included; None for open ends."""

    since: dt.date | None = None
    until: dt.date | None = None

    def q(self, field: str) -> Q:
        q = Q()
        if self.since:
            q &= Q(**{f"{field}__gte": self.since})
        if self.until:
            q &= Q(**{f"{field}__lte": self.until})
        return q


def amenagement_list(
    *, commune: str, status: str, kind: str, bbox: Bbox | None, period: Period
) -> QuerySet[Amenagement]:
    """Arrangements by slug; `period` bounds the opening date."""
    qs = Amenagement.objects.select_related("commune").annotate(
        geojson=AsGeoJSON("geom", precision=PRECISION)
    )
    if commune:
        qs = qs.filter(commune__slug=commune)
    if status:
        qs = qs.filter(status=status)
    if kind:
        qs = qs.filter(kind=kind)
    if bbox is not None:
        qs = qs.filter(geom__bboverlaps=Polygon.from_bbox(bbox))
    return qs.filter(period.q("opened_on")).order_by("slug")


def amenagement_detail(*, slug: str) -> Amenagement:
    """The arrangement with its versions (geometry included) and adaptations. 3 queries; raises
    `Amenagement.DoesNotExist`."""
    return (
        Amenagement.objects.select_related("commune")
        .annotate(geojson=AsGeoJSON("geom", precision=PRECISION))
        .prefetch_related(
            Prefetch(
                "versions",
                queryset=AmenagementVersion.objects.annotate(
                    geojson=AsGeoJSON("geom", precision=PRECISION)
                ).order_by("number"),
            ),
            Prefetch(
                "adaptations",
                queryset=Adaptation.objects.select_related("version", "amenagement").order_by(
                    "date", "pk"
                ),
            ),
        )
        .get(slug=slug)
    )


def opinion_aggregates(*, amenagement: Amenagement) -> list[dict[str, Any]]:
    """Per version and perception indicator: count, mean and distribution of residents'
    ratings (demonstration opinions left out). Never a single rating. One query.

    The answers of imported surveys are left out, even where a panel counts them: an
    aggregate here has no field to say where its ratings come from, and a survey's must never
    pass for residents'. The open data file `avis-par-indicateur` publishes them, per survey
    and flagged with the panel's choice."""
    rows = (
        Rating.objects.filter(
            contribution__version__amenagement=amenagement,
            contribution__is_demo=False,
            contribution__source__isnull=True,
        )
        .values("contribution__version__number", "definition__code", "definition__version")
        .annotate(
            n=Count("pk"),
            mean=Avg("value"),
            **{f"n{step}": Count("pk", filter=Q(value=step)) for step in range(1, 6)},
        )
        .order_by("contribution__version__number", "definition__code", "definition__version")
    )
    return [
        {
            "version": row["contribution__version__number"],
            "indicator": row["definition__code"],
            "indicator_version": row["definition__version"],
            "ratings": row["n"],
            "mean": round(float(row["mean"]), 2),
            "distribution": [row[f"n{step}"] for step in range(1, 6)],
        }
        for row in cast(Iterable[dict[str, Any]], rows)
    ]


def adaptation_list(*, commune: str, kind: str, period: Period) -> QuerySet[Adaptation]:
    qs = Adaptation.objects.select_related("amenagement", "version")
    if commune:
        qs = qs.filter(amenagement__commune__slug=commune)
    if kind:
        qs = qs.filter(kind=kind)
    return qs.filter(period.q("date")).order_by("date", "pk")


def counter_list(*, bbox: Bbox | None, amenagement: str) -> QuerySet[Counter]:
    qs = Counter.objects.prefetch_related(
        Prefetch(
            "links",
            queryset=CounterLink.objects.select_related("amenagement").order_by(
                "amenagement__slug"
            ),
        )
    )
    if bbox is not None:
        qs = qs.filter(location__bboverlaps=Polygon.from_bbox(bbox))
    if amenagement:
        qs = qs.filter(links__amenagement__slug=amenagement, links__excluded=False)
    return qs.order_by("source", "external_id")


def daily_totals(*, counter_id: int, period: Period) -> QuerySet[DailyTotal]:
    return DailyTotal.objects.filter(period.q("date"), counter_id=counter_id).order_by("date")


def monthly_totals(*, counter_id: int, period: Period) -> QuerySet[MonthlyTotal]:
    return MonthlyTotal.objects.filter(period.q("month"), counter_id=counter_id).order_by("month")


def counter_exists(*, counter_id: int) -> bool:
    return Counter.objects.filter(pk=counter_id).exists()


def proposal_list(
    *, commune: str, status: str, action: str, period: Period
) -> QuerySet[AdjustmentProposal]:
    """Proposals by date of creation; `period` bounds that date."""
    qs = AdjustmentProposal.objects.select_related("amenagement")
    if commune:
        qs = qs.filter(amenagement__commune__slug=commune)
    if status:
        qs = qs.filter(status=status)
    if action:
        qs = qs.filter(action=action)
    return qs.filter(period.q("created_at__date")).order_by("created_at", "pk")


def usage_effect_list(*, commune: str, period: Period) -> QuerySet[UsageEffectResult]:
    """Effects of adaptations, every evaluation's; `period` bounds the adaptation's date."""
    qs = UsageEffectResult.objects.select_related("run__amenagement", "adaptation")
    if commune:
        qs = qs.filter(run__amenagement__commune__slug=commune)
    return qs.filter(period.q("adaptation__date")).order_by("run__created_at", "run_id", "pk")
