"""Reads on indicator definitions: the public catalogue, an indicator's versions, and the
indicators that apply to an arrangement (used by the rating form and the evaluation engine)."""

from __future__ import annotations

from django.db.models import Q, QuerySet

from amenagements.models import Amenagement
from indicators.models import IndicatorDefinition

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
