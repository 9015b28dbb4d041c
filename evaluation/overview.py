"""Reads for the city overview of evaluations (`/evaluations/`): arrangements by outcome.

The outcome of an arrangement is read from its *latest* evaluation run, the newest by
`created_at`, then by pk (the order `EvaluationRun.Meta.get_latest_by` states):

- if the run made proposals, the outcome is the action of its *leading proposal*: the first of
  its proposals by pk whose action is not `collect_more_data`; a `collect_more_data` proposal
  leads only when the run made nothing else;
- `no_proposal` ("evaluated, no proposal") when the run made none, e.g. no indicator applies;
- `not_evaluated` when the arrangement has no run at all.

Older runs never count, even when the latest one says less. The leading proposal's status
(open, accepted, rejected, deferred…) is read as it is stored, decided elsewhere.

Everything is computed by PostgreSQL as annotations (correlated subqueries on the indexed
`amenagement_id` and `run_id` columns), so filtering, counting by outcome and ordering happen
in SQL: the list, each facet and the map layer take one query whatever the number of
arrangements. The map's GeoJSON is built by PostGIS as text, as `amenagements.selectors`
does for the public map.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.contrib.postgres.fields import ArrayField
from django.db.models import (
    Case,
    CharField,
    Count,
    F,
    Func,
    IntegerField,
    OuterRef,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.db.models.functions import Coalesce
from django.utils.translation import gettext_lazy as _

from amenagements.facets import Facet, FacetFilters, choices_facet, commune_facet
from amenagements.models import Amenagement
from common.sql import query_text
from evaluation.models import AdjustmentProposal, EvaluationRun, EvaluationStatus, IndicatorResult

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise

Action = AdjustmentProposal.Action

NO_PROPOSAL = "no_proposal"
NOT_EVALUATED = "not_evaluated"

# Every outcome in the order the page lists them: the engine's actions from "keep it" to
# "remove it", then the runs that concluded nothing, then the arrangements never evaluated.
OUTCOMES: list[tuple[str, StrOrPromise]] = [
    *((value, label) for value, label in Action.choices),
    (NO_PROPOSAL, _("Evaluated, no proposal")),
    (NOT_EVALUATED, _("Not evaluated")),
]
OUTCOME_VALUES = [value for value, _label in OUTCOMES]
OUTCOME_LABELS = dict(OUTCOMES)
PROPOSAL_STATUS_LABELS = dict(AdjustmentProposal.Status.choices)


@dataclass(frozen=True)
class OverviewFilters(FacetFilters):
    """The overview's filters. Empty strings mean "any"."""

    commune: str = ""  # a commune slug
    kind: str = ""
    outcome: str = ""

    CHOICES = {"kind": Amenagement.Kind.values, "outcome": OUTCOME_VALUES}


def _with_outcome(qs: QuerySet[Amenagement]) -> QuerySet[Amenagement]:
    """Annotate each arrangement with its latest run and the outcome read from it.

    Annotations: `latest_run_id`, `latest_run_at`, `leading_action`, `leading_status`,
    `indicators_met`, `indicators_missed`, `indicators_not_enough_data`, `outcome` and
    `outcome_rank` (its place in `OUTCOMES`).
    """
    latest_run = EvaluationRun.objects.filter(amenagement=OuterRef("pk")).order_by(
        "-created_at", "-pk"
    )
    leading = AdjustmentProposal.objects.filter(run=OuterRef("latest_run_id")).order_by(
        Case(When(action=Action.COLLECT_MORE_DATA, then=Value(1)), default=Value(0)), "pk"
    )

    def results(status: str) -> Coalesce:
        counted = (
            IndicatorResult.objects.filter(run=OuterRef("latest_run_id"), status=status)
            .order_by()
            .values("run")
            .annotate(n=Count("pk"))
            .values("n")
        )
        return Coalesce(Subquery(counted, output_field=IntegerField()), Value(0))

    qs = qs.annotate(
        latest_run_id=Subquery(latest_run.values("pk")[:1]),
        latest_run_at=Subquery(latest_run.values("created_at")[:1]),
        leading_action=Subquery(leading.values("action")[:1]),
        leading_status=Subquery(leading.values("status")[:1]),
        indicators_met=results(EvaluationStatus.MET),
        indicators_missed=results(EvaluationStatus.MISSED),
        indicators_not_enough_data=results(EvaluationStatus.NOT_ENOUGH_DATA),
    )
    # Each reference to an annotation repeats its subqueries in the SQL: `outcome` reads the
    # leading action and the latest run once each, and its rank reads `outcome` once.
    qs = qs.annotate(
        outcome=Coalesce(
            "leading_action",
            Case(
                When(latest_run_id__isnull=True, then=Value(NOT_EVALUATED)),
                default=Value(NO_PROPOSAL),
            ),
            output_field=CharField(),
        )
    )
    return qs.annotate(
        outcome_rank=Func(
            Value(OUTCOME_VALUES, output_field=ArrayField(CharField())),
            F("outcome"),
            function="array_position",
            output_field=IntegerField(),
        )
    )


def overview_queryset(filters: OverviewFilters) -> QuerySet[Amenagement]:
    """The arrangements matching `filters`, annotated with their outcome (see `_with_outcome`)."""
    qs = _with_outcome(Amenagement.objects.all())
    if filters.commune:
        qs = qs.filter(commune__slug=filters.commune)
    if filters.kind:
        qs = qs.filter(kind=filters.kind)
    if filters.outcome:
        # `outcome` is an annotation of `_with_outcome`, which the type checker cannot see.
        qs = qs.filter(outcome=filters.outcome)  # type: ignore[misc]
    return qs


def overview_list(*, filters: OverviewFilters) -> QuerySet[Amenagement]:
    """The list of the page: by outcome (in `OUTCOMES` order), then by name. One query."""
    return (
        overview_queryset(filters)
        .select_related("commune")
        .only("slug", "name", "kind", "status", "commune__name")
        .order_by("outcome_rank", "name", "pk")  # type: ignore[misc]  # an annotation
    )


def with_labels(rows: Iterable[Amenagement]) -> list[Amenagement]:
    """Give each annotated row `outcome_label` and `leading_status_label` (the labels that
    `get_action_display` and `get_status_display` give on the proposal itself)."""
    # The rows carry the annotations of `_with_outcome`, unknown to the type checker.
    annotated: list[Any] = list(rows)
    for row in annotated:
        row.outcome_label = OUTCOME_LABELS.get(row.outcome, row.outcome)
        row.leading_status_label = PROPOSAL_STATUS_LABELS.get(
            row.leading_status, row.leading_status or ""
        )
    return annotated


def overview_facets(*, filters: OverviewFilters) -> dict[str, Facet]:
    """For each filter, the values present with their count given the *other* filters
    (`amenagements.facets`): {"outcome": […], "kind": […], "commune": […]}; outcomes and kinds
    in their declared order, communes by name. The outcome counts are the page's summary.
    Three queries.
    """
    return {
        "outcome": choices_facet(overview_queryset, filters, "outcome", OUTCOMES),
        "kind": choices_facet(overview_queryset, filters, "kind", Amenagement.Kind.choices),
        "commune": commune_facet(overview_queryset, filters),
    }


def overview_geojson(*, filters: OverviewFilters) -> str:
    """A GeoJSON FeatureCollection of the matching arrangements with their `outcome`, built by
    PostGIS in one query (the outcome subqueries run inside it)."""
    inner_sql, params = (
        overview_queryset(filters)
        .values(feature_id=F("pk"), feature_outcome=F("outcome"))
        .order_by()
        .query.sql_with_params()
    )
    sql = f"""
        SELECT '{{"type":"FeatureCollection","features":['
            || COALESCE(string_agg(
                '{{"type":"Feature","id":' || to_json(a.slug)::text
                || ',"geometry":' || ST_AsGeoJSON(a.geom, 6)
                || ',"properties":' || json_build_object(
                    'slug', a.slug, 'name', a.name, 'kind', a.kind, 'status', a.status,
                    'outcome', o.feature_outcome
                )::text
                || '}}',
                ',' ORDER BY a.name, a.id
            ), '')
            || ']}}'
        FROM {Amenagement._meta.db_table} a
        JOIN ({inner_sql}) o ON o.feature_id = a.id
    """  # noqa: S608 -- the only interpolations are a table name and Django-compiled SQL.
    return query_text(sql, params, model=Amenagement)
