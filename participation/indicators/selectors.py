"""Reads on indicator definitions: the public catalogue, an indicator's versions, the
indicators that apply to an arrangement (read by the rating form and the evaluation engine);
and on the deliberation: a proposal's tally against its panel's rule, its stances, comments and
log, the open proposals and the decisions of a panel. Pseudonyms only, never an address.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Count, IntegerField, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce

from amenagements.models import Amenagement
from participation.models import (
    CitizenPanel,
    Comment,
    DeliberationLogEntry,
    IndicatorDefinition,
    Membership,
    Stance,
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


@dataclass(frozen=True)
class AdoptionTally:
    """The stances of a panel's current members on a proposal, against the panel's rule.

    The rule is met when at least `quorum` members took a stance and endorsements make at
    least `required_percent` % of the stances. The share is compared in integers
    (endorsements × 100 ≥ required × votes), so 2 endorsements out of 3 meet 66 % but not 67 %.
    """

    endorsements: int
    objections: int
    quorum: int
    required_percent: int

    @property
    def votes(self) -> int:
        return self.endorsements + self.objections

    @property
    def share_percent(self) -> int:
        """Endorsements as a share of the stances, rounded down (0 without any stance)."""
        return self.endorsements * 100 // self.votes if self.votes else 0

    @property
    def quorum_met(self) -> bool:
        return self.votes >= self.quorum

    @property
    def share_met(self) -> bool:
        return self.votes > 0 and self.endorsements * 100 >= self.required_percent * self.votes

    @property
    def is_met(self) -> bool:
        return self.quorum_met and self.share_met

    @property
    def missing_votes(self) -> int:
        return max(0, self.quorum - self.votes)

    def as_params(self) -> dict[str, int]:
        return {
            "endorsements": self.endorsements,
            "objections": self.objections,
            "votes": self.votes,
            "quorum": self.quorum,
            "required": self.required_percent,
            "share": self.share_percent,
        }


def proposal_tally(
    definition: IndicatorDefinition, *, panel: CitizenPanel | None = None
) -> AdoptionTally:
    """Count the stances on `definition` of people who are members of its panel now (one
    query): someone who left the panel no longer weighs on its decisions."""
    panel = panel or definition.panel
    members = Membership.objects.filter(panel_id=panel.pk).values("user_id")
    counts = Stance.objects.filter(definition=definition, user_id__in=members).aggregate(
        endorse=Count("pk", filter=Q(position=Stance.Position.ENDORSE)),
        object=Count("pk", filter=Q(position=Stance.Position.OBJECT)),
    )
    return AdoptionTally(
        endorsements=counts["endorse"],
        objections=counts["object"],
        quorum=panel.quorum,
        required_percent=panel.min_endorsement_percent,
    )


def _with_tally_counts(
    qs: QuerySet[IndicatorDefinition],
) -> QuerySet[IndicatorDefinition]:
    # Members of the proposal's panel: the outer query of the stance subquery is the proposal.
    members = Membership.objects.filter(panel_id=OuterRef(OuterRef("panel_id"))).values("user_id")
    endorse = Stance.objects.filter(
        definition=OuterRef("pk"), position=Stance.Position.ENDORSE, user_id__in=members
    )
    objection = Stance.objects.filter(
        definition=OuterRef("pk"), position=Stance.Position.OBJECT, user_id__in=members
    )
    return qs.annotate(
        endorse_count=_count_subquery(endorse),
        object_count=_count_subquery(objection),
        comment_count=Count("comments", distinct=True),
    )


def _count_subquery(qs: QuerySet[Stance]) -> Coalesce:
    counted = qs.order_by().values("definition").annotate(n=Count("pk")).values("n")
    return Coalesce(Subquery(counted, output_field=IntegerField()), 0)


def panel_proposals(panel: CitizenPanel) -> QuerySet[IndicatorDefinition]:
    """Open proposals of the panel, newest first, with their stance and comment counts."""
    qs = (
        IndicatorDefinition.objects.filter(panel=panel, status=IndicatorDefinition.Status.PROPOSED)
        .select_related("proposed_by__profile", "supersedes")
        .order_by("-proposed_at", "-pk")
    )
    return _with_tally_counts(qs)


def panel_decisions(panel: CitizenPanel) -> QuerySet[IndicatorDefinition]:
    """Decided definitions of the panel (adopted, closed, retired), latest decision first."""
    return (
        IndicatorDefinition.objects.filter(panel=panel)
        .exclude(status=IndicatorDefinition.Status.PROPOSED)
        .annotate(decided_at=Coalesce("retired_at", "closed_at", "adopted_at"))
        .select_related("adopted_by__profile", "closed_by__profile", "superseded_by")
        .order_by("-decided_at", "-pk")
    )


def proposal_get(*, panel: CitizenPanel, pk: int) -> IndicatorDefinition:
    """A definition of `panel` (whatever its status) with the people around it."""
    return IndicatorDefinition.objects.select_related(
        "panel",
        "proposed_by__profile",
        "adopted_by__profile",
        "closed_by__profile",
        "supersedes",
        "superseded_by",
    ).get(panel=panel, pk=pk)


def proposal_comments(definition: IndicatorDefinition) -> QuerySet[Comment]:
    return (
        Comment.objects.filter(definition=definition)
        .select_related("author__profile")
        .order_by("created_at", "pk")
    )


def proposal_stances(definition: IndicatorDefinition) -> QuerySet[Stance]:
    """Stances with the member's pseudonym: how each member stands is public."""
    return (
        Stance.objects.filter(definition=definition)
        .select_related("user__profile")
        .order_by("updated_at", "pk")
    )


def stance_of(definition: IndicatorDefinition, user_id: int | None) -> str | None:
    if user_id is None:
        return None
    return (
        Stance.objects.filter(definition=definition, user_id=user_id)
        .values_list("position", flat=True)
        .first()
    )


def proposal_log(definition: IndicatorDefinition) -> QuerySet[DeliberationLogEntry]:
    return (
        DeliberationLogEntry.objects.filter(definition=definition)
        .select_related("definition")
        .order_by("created_at", "pk")
    )
