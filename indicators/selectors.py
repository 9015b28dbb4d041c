"""Reads on indicator definitions: the public catalogue, an indicator's versions, and the
indicators that apply to an arrangement (used by the rating form and the evaluation engine),
and the latest evaluation of an arrangement."""

from __future__ import annotations

from django.db.models import Prefetch, Q, QuerySet
from django.utils.translation import gettext_lazy as _

from amenagements.models import Amenagement
from indicators.models import (
    AdjustmentProposal,
    EvaluationRun,
    IndicatorDefinition,
    IndicatorResult,
    UsageEffectResult,
)

Status = IndicatorDefinition.Status


def catalogue() -> QuerySet[IndicatorDefinition]:
    """Adopted indicators of every panel, perception first, with the adopting panel and the
    pseudonym of who adopted them (one query)."""
    return (
        IndicatorDefinition.objects.filter(status=Status.ADOPTED)
        .select_related("panel", "adopted_by__profile", "proposed_by__profile")
        .order_by("-kind", "panel__name", "name", "pk")
    )


def lineage(*, panel_slug: str, code: str) -> list[IndicatorDefinition]:
    """Every decided version of an indicator (adopted or retired), newest first.

    Empty when the panel has no such indicator. Open or closed proposals are not versions.
    """
    return list(
        IndicatorDefinition.objects.filter(
            panel__slug=panel_slug, code=code, status__in=[Status.ADOPTED, Status.RETIRED]
        )
        .select_related(
            "panel", "adopted_by__profile", "proposed_by__profile", "retired_by__profile"
        )
        .order_by("-version")
    )


def open_revisions(definition: IndicatorDefinition) -> QuerySet[IndicatorDefinition]:
    """Open proposals to replace `definition`."""
    return IndicatorDefinition.objects.filter(supersedes=definition, status=Status.PROPOSED)


def adopted_for_amenagement(
    amenagement: Amenagement, *, kind: str | None = None
) -> QuerySet[IndicatorDefinition]:
    """The adopted indicators that apply to `amenagement`: adopted by a panel whose scope
    covers it (its commune or the arrangement itself) and meant for its kind of arrangement.

    `kind` narrows to perception or usage indicators. The rating form (perception) and the
    evaluation engine (both kinds, with targets, direction and minimum sample) read this.
    """
    scope = Q(panel__amenagements=amenagement)
    if amenagement.commune_id is not None:
        scope |= Q(panel__communes=amenagement.commune_id)
    qs = IndicatorDefinition.objects.filter(
        scope, status=Status.ADOPTED, applicable_kinds__contains=[amenagement.kind]
    )
    if kind is not None:
        qs = qs.filter(kind=kind)
    return qs.select_related("panel").distinct().order_by("-kind", "name", "pk")


# Words for the engine's codes (indicators.evaluation.results.Caveat, usage.METHOD_*).
CAVEAT_LABELS = {
    "no_controls": _(
        "no control counter: the change may come from something other than the adaptation"
    ),
    "few_controls": _("few control counters: the comparison is fragile"),
    "insufficient_data": _("not enough counts to estimate the effect"),
    "no_data_before": _("no counts before the adaptation"),
    "after_window_incomplete": _("the period after the adaptation is not complete yet"),
    "windows_truncated": _("the periods before and after were shortened"),
}
METHOD_LABELS = {
    "did_log_gls_ar1_date_clustered": _(
        "difference-in-differences against control counters (log counts, errors clustered by date)"
    ),
    "before_after_log_gls_ar1_date_clustered": _(
        "before/after comparison without control counters (log counts, errors clustered by date)"
    ),
}


def latest_evaluation(*, amenagement: Amenagement) -> EvaluationRun | None:
    """The newest evaluation run of `amenagement`, or None (four queries when there is one).

    Prefetched: its indicator results with their definitions, its usage effects with their
    adaptations, and its open proposals (`open_proposals`). Each usage effect carries
    `method_label` and `caveat_labels`, the engine's codes in words.
    """
    run = (
        EvaluationRun.objects.filter(amenagement=amenagement)
        .order_by("-created_at", "-pk")
        .prefetch_related(
            Prefetch(
                "indicator_results",
                queryset=IndicatorResult.objects.select_related("definition").order_by(
                    "-definition__kind", "definition__name", "pk"
                ),
            ),
            Prefetch(
                "usage_effects",
                queryset=UsageEffectResult.objects.select_related("adaptation").order_by(
                    "adaptation__date", "pk"
                ),
            ),
            Prefetch(
                "proposals",
                queryset=AdjustmentProposal.objects.filter(
                    status=AdjustmentProposal.Status.OPEN
                ).order_by("created_at", "pk"),
                to_attr="open_proposals",
            ),
        )
        .first()
    )
    if run is None:
        return None
    for effect in run.usage_effects.all():
        effect.method_label = METHOD_LABELS.get(effect.method, effect.method)
        effect.caveat_labels = [CAVEAT_LABELS.get(c, c) for c in effect.caveats]
    return run
