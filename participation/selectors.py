"""Reads on panels, members, proposals and the public log, shaped for each page.

Public pages show members by pseudonym only: these reads never select an email address.
`viewer_for` describes the person looking at a panel in one query, so that permissions
(`participation.permissions`) are pure functions of it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.contrib.auth import get_user_model
from django.db.models import Count, Exists, OuterRef, Prefetch, Q, QuerySet, Subquery

from participation.models import (
    CitizenPanel,
    Comment,
    DeliberationLogEntry,
    JoinRequest,
    Membership,
    Stance,
)

if TYPE_CHECKING:
    from django.contrib.auth.models import AbstractBaseUser, AnonymousUser

    from indicators.models import IndicatorDefinition


# --- the adoption rule ------------------------------------------------------------------------


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


# --- who is looking ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Viewer:
    """The person looking at a panel page, in the terms permissions need."""

    user_id: int | None = None
    is_active: bool = False
    is_verified: bool = False  # has a verified email address (allauth)
    is_staff: bool = False
    role: str | None = None  # their role in the panel, None when not a member
    has_pending_request: bool = False
    pending_invitation_id: int | None = None

    @property
    def is_authenticated(self) -> bool:
        return self.user_id is not None

    @property
    def is_resident(self) -> bool:
        """A signed-in, active account with a verified email address: may take part."""
        return self.is_authenticated and self.is_active and self.is_verified

    @property
    def is_member(self) -> bool:
        return self.is_resident and self.role is not None

    @property
    def is_facilitator(self) -> bool:
        return self.is_resident and self.role == Membership.Role.FACILITATOR


ANONYMOUS = Viewer()


def _verified_email(user_ref) -> Exists:
    from allauth.account.models import EmailAddress

    return Exists(EmailAddress.objects.filter(user=user_ref, verified=True))


def viewer_for(user: AbstractBaseUser | AnonymousUser, panel: CitizenPanel | None) -> Viewer:
    """Describe `user` relative to `panel` (or to no panel) in one query; none if anonymous."""
    if not user.is_authenticated:
        return ANONYMOUS
    qs = (
        get_user_model()
        .objects.filter(pk=user.pk)
        .annotate(verified=_verified_email(OuterRef("pk")))
    )
    fields = ["pk", "is_active", "is_staff", "verified"]
    if panel is not None:
        mine = {"panel_id": panel.pk, "user_id": OuterRef("pk")}
        pending = JoinRequest.objects.filter(**mine, status=JoinRequest.Status.PENDING)
        qs = qs.annotate(
            role=Subquery(Membership.objects.filter(**mine).values("role")[:1]),
            pending_request=Exists(pending.filter(kind=JoinRequest.Kind.REQUEST)),
            invitation_id=Subquery(
                pending.filter(kind=JoinRequest.Kind.INVITATION).values("pk")[:1]
            ),
        )
        fields += ["role", "pending_request", "invitation_id"]
    row = qs.values(*fields).get()
    return Viewer(
        user_id=row["pk"],
        is_active=row["is_active"],
        is_verified=row["verified"],
        is_staff=row["is_staff"],
        role=row.get("role"),
        has_pending_request=row.get("pending_request", False),
        pending_invitation_id=row.get("invitation_id"),
    )


# --- panels -----------------------------------------------------------------------------------


def panel_list() -> QuerySet[CitizenPanel]:
    """Every panel with its member and open-proposal counts (one query)."""
    return CitizenPanel.objects.annotate(
        member_count=Count("memberships", distinct=True),
        open_count=Count("indicators", filter=Q(indicators__status="proposed"), distinct=True),
    ).order_by("-is_demo", "name", "pk")


def panel_get(*, slug: str) -> CitizenPanel:
    """The panel with its scope (communes and arrangements, prefetched)."""
    return CitizenPanel.objects.prefetch_related(
        "communes", Prefetch("amenagements", queryset=_scope_amenagements())
    ).get(slug=slug)


def _scope_amenagements():
    from amenagements.models import Amenagement

    return Amenagement.objects.only("slug", "name").order_by("name")


def panel_members(panel: CitizenPanel) -> QuerySet[Membership]:
    """Members with their pseudonym, facilitators first. Only the profile is joined: the
    email address is never read for a public page."""
    return (
        Membership.objects.filter(panel=panel)
        .select_related("user__profile")
        .only("role", "joined_at", "user__id", "user__profile__pseudonym")
        .order_by("role", "user__profile__pseudonym", "pk")  # "facilitator" < "member"
    )


def _with_tally_counts(qs: QuerySet) -> QuerySet:
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


def _count_subquery(qs: QuerySet) -> Subquery:
    from django.db.models import IntegerField
    from django.db.models.functions import Coalesce

    counted = qs.order_by().values("definition").annotate(n=Count("pk")).values("n")
    return Coalesce(Subquery(counted, output_field=IntegerField()), 0)


def panel_proposals(panel: CitizenPanel) -> QuerySet[IndicatorDefinition]:
    """Open proposals of the panel, newest first, with their stance and comment counts."""
    from indicators.models import IndicatorDefinition

    qs = (
        IndicatorDefinition.objects.filter(panel=panel, status=IndicatorDefinition.Status.PROPOSED)
        .select_related("proposed_by__profile", "supersedes")
        .order_by("-proposed_at", "-pk")
    )
    return _with_tally_counts(qs)


def panel_decisions(panel: CitizenPanel) -> QuerySet[IndicatorDefinition]:
    """Decided definitions of the panel (adopted, closed, retired), latest decision first."""
    from django.db.models.functions import Coalesce

    from indicators.models import IndicatorDefinition

    return (
        IndicatorDefinition.objects.filter(panel=panel)
        .exclude(status=IndicatorDefinition.Status.PROPOSED)
        .annotate(decided_at=Coalesce("retired_at", "closed_at", "adopted_at"))
        .select_related("adopted_by__profile", "closed_by__profile", "superseded_by")
        .order_by("-decided_at", "-pk")
    )


def panel_log(panel: CitizenPanel) -> QuerySet[DeliberationLogEntry]:
    """The public log of the panel, newest first, with the proposal each step concerns."""
    return (
        DeliberationLogEntry.objects.filter(panel=panel)
        .select_related("definition")
        .only(
            "action",
            "created_at",
            "payload",
            "definition__id",
            "definition__name",
            "definition__code",
            "definition__version",
            "definition__status",
            "panel_id",
        )
        .order_by("-created_at", "-pk")
    )


def pending_requests(panel: CitizenPanel) -> QuerySet[JoinRequest]:
    """Requests and invitations awaiting an answer, oldest first, with pseudonyms."""
    return (
        JoinRequest.objects.filter(panel=panel, status=JoinRequest.Status.PENDING)
        .select_related("user__profile")
        .order_by("created_at", "pk")
    )


# --- proposals --------------------------------------------------------------------------------


def proposal_get(*, panel: CitizenPanel, pk: int) -> IndicatorDefinition:
    """A definition of `panel` (whatever its status) with the people around it."""
    from indicators.models import IndicatorDefinition

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


# --- a person's own page ----------------------------------------------------------------------


def user_memberships(user: AbstractBaseUser) -> QuerySet[Membership]:
    return Membership.objects.filter(user=user).select_related("panel").order_by("panel__name")


def user_pending(user: AbstractBaseUser) -> QuerySet[JoinRequest]:
    """Their pending requests and the invitations awaiting their answer."""
    return (
        JoinRequest.objects.filter(user=user, status=JoinRequest.Status.PENDING)
        .select_related("panel")
        .order_by("created_at", "pk")
    )
