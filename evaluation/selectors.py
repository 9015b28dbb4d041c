"""Reads on evaluations: the latest one of an arrangement, its hot spots, its proposals and
the decisions taken on them."""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from typing import Any

from django.db.models import Prefetch, QuerySet
from django.utils.translation import gettext_lazy as _

from amenagements.models import Amenagement
from evaluation.charts import effect_chart, event_study_chart
from evaluation.models import (
    AdjustmentProposal,
    EvaluationRun,
    IndicatorResult,
    SegmentResult,
    UsageEffectResult,
)

# Words for the engine's codes (evaluation.engine.results.Caveat, usage.METHOD_*).
CAVEAT_LABELS = {
    "no_controls": _(
        "no control counter: the change may come from something other than the adaptation"
    ),
    "few_controls": _("few control counters: the comparison is fragile"),
    "insufficient_data": _("not enough counts to estimate the effect"),
    "no_data_before": _("no counts before the adaptation"),
    "after_window_incomplete": _("the period after the adaptation is not complete yet"),
    "windows_truncated": _("the periods before and after were shortened"),
    "uneven_shock": _(
        "some counters moved on their own inside the periods compared (works, a local event, "
        "a shock that did not hit every counter alike): the interval is widened to account "
        "for it"
    ),
    "pre_trend": _(
        "the placebo test finds a change before the adaptation: the counters were already "
        "drifting apart, part of the effect may be that drift"
    ),
}
METHOD_LABELS = {
    "did_log_gls_ar1_date_clustered": _(
        "difference-in-differences against control counters (log counts, errors clustered by date)"
    ),
    "before_after_log_gls_ar1_date_clustered": _(
        "before/after comparison without control counters (log counts, errors clustered by date)"
    ),
}


def _placebo(stored: dict[str, Any] | None) -> dict[str, Any] | None:
    """The stored placebo test as the template shows it: its date, change (%) and p-value."""
    if not stored or not stored.get("estimate"):
        return None
    return {
        "date": dt.date.fromisoformat(stored["date"]),
        "percent": stored["estimate"]["percent"],
        "p_value": stored["p_value"],
    }


def _year_over_year(stored: dict[str, Any] | None) -> dict[str, Any] | None:
    """The stored year-over-year figure as the template shows it."""
    if not stored:
        return None
    interval = stored.get("percent_interval") or {}
    return {
        "percent": stored["percent"],
        "low": interval.get("low"),
        "high": interval.get("high"),
        "earlier_start": dt.date.fromisoformat(stored["earlier"]["start"]),
        "earlier_end": dt.date.fromisoformat(stored["earlier"]["end"]) - dt.timedelta(days=1),
        "counters": len(stored["counters"]),
        "periods": stored["periods"],
    }


def latest_evaluation(*, amenagement: Amenagement) -> EvaluationRun | None:
    """The newest evaluation run of `amenagement`, or None (five queries when there is one).

    Prefetched: its indicator results with their definitions, its usage effects with their
    adaptations, its open proposals (`open_proposals`) and its hot-spot segments
    (`hot_spots`, with their indicator). Each usage effect carries `method_label` and
    `caveat_labels`, the engine's codes in words.
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
            Prefetch(
                "segments",
                queryset=SegmentResult.objects.filter(hot_spot=True)
                .select_related("definition")
                .order_by("start_m", "definition__name", "pk"),
                to_attr="hot_spots",
            ),
        )
        .first()
    )
    if run is None:
        return None
    for effect in run.usage_effects.all():
        effect.method_label = str(METHOD_LABELS.get(effect.method, effect.method))
        effect.caveat_labels = [str(CAVEAT_LABELS.get(c, c)) for c in effect.caveats]
        effect.placebo = _placebo(effect.details.get("placebo"))
        effect.event_chart = event_study_chart(effect.details.get("event_study") or [])
        effect.year_over_year = _year_over_year(effect.details.get("year_over_year"))
    run.effect_chart = effect_chart(list(run.usage_effects.all()))
    for result in run.indicator_results.all():
        result.by_profile, result.changes = _perception_breakdown(result.details)
    return run


def _perception_breakdown(
    details: dict[str, Any],
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """A perception result's ratings by declared profile and before/after each adaptation,
    labelled for the page (both empty for a usage indicator or without ratings)."""
    from amenagements.models import Adaptation
    from participation.models import ContributorProfile

    perception = details.get("perception") or {}
    profiles = dict(ContributorProfile.choices)
    kinds = dict(Adaptation.Kind.choices)
    by_profile = [
        {"label": profiles.get(row["profile"], row["profile"]), **row["stats"]}
        for row in perception.get("by_profile") or []
        if row.get("stats")
    ]
    changes = [
        {
            "label": kinds.get(row["adaptation_kind"], row["adaptation_kind"]),
            "date": dt.date.fromisoformat(row["adaptation_date"]),
            "before": row["before"]["mean"],
            "after": row["after"]["mean"],
            "difference": row["difference"],
            "interval": row.get("interval"),
        }
        for row in perception.get("changes") or []
        if row.get("difference") is not None
    ]
    return by_profile, changes


def decided_proposals(*, amenagement: Amenagement) -> QuerySet[AdjustmentProposal]:
    """Every decided proposal of `amenagement` (any run), newest decision first, with the run
    that made it and the planned adaptation it led to (one query)."""
    return (
        AdjustmentProposal.objects.filter(
            amenagement=amenagement, status__in=AdjustmentProposal.DECIDED
        )
        .select_related("run", "planned_adaptation__adaptation")
        .order_by("-decided_at", "-pk")
    )


def proposal_detail(*, amenagement_slug: str, pk: int) -> AdjustmentProposal:
    """A proposal of the arrangement `amenagement_slug` with its run, arrangement and planned
    adaptation (one query); raises `AdjustmentProposal.DoesNotExist` when it has no such one."""
    return AdjustmentProposal.objects.select_related(
        "amenagement", "run", "planned_adaptation__adaptation"
    ).get(pk=pk, amenagement__slug=amenagement_slug)


def hot_spots_geojson(run: EvaluationRun | None) -> dict[str, Any]:
    """The hot-spot segments of `run` (prefetched `hot_spots`) as a FeatureCollection for the
    arrangement's map; a handful of short lines, so Python serialisation is fine."""
    features = []
    for segment in getattr(run, "hot_spots", []) if run is not None else []:
        if segment.geom is None:
            continue
        features.append(
            {
                "type": "Feature",
                "geometry": json.loads(segment.geom.geojson),
                "properties": {
                    "indicator": segment.definition.name,
                    "from_m": round(segment.start_m),
                    "to_m": round(segment.end_m),
                    "negative_share": segment.negative_share,
                    "n": segment.n,
                },
            }
        )
    return {"type": "FeatureCollection", "features": features}


@dataclass(frozen=True)
class ProposalEvidence:
    """What a proposal rests on: the results of the indicators it names and the hot-spot
    segments it cites, from the run that made it."""

    results: list[IndicatorResult]
    segments: list[SegmentResult]


def proposal_evidence(proposal: AdjustmentProposal) -> ProposalEvidence:
    """The indicator results and segments `proposal` cites (two queries)."""
    evidence = proposal.evidence or {}
    codes = list(evidence.get("indicators") or [])
    every = list(
        IndicatorResult.objects.filter(run_id=proposal.run_id).select_related("definition")
    )
    by_code = {r.definition_id: r.details.get("code") for r in every}
    results = [r for r in every if r.details.get("code") in codes]
    results.sort(key=lambda r: codes.index(r.details.get("code")))
    cited = {
        (ref.get("indicator_code"), ref.get("start_m"), ref.get("end_m"))
        for ref in evidence.get("segments") or []
    }
    segments = []
    if cited:
        segments = [
            s
            for s in SegmentResult.objects.filter(run_id=proposal.run_id, hot_spot=True)
            .select_related("definition")
            .order_by("start_m", "pk")
            if (by_code.get(s.definition_id), s.start_m, s.end_m) in cited
        ]
    return ProposalEvidence(results=results, segments=segments)
