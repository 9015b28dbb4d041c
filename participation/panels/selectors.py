"""Reads on panels, members, requests and the public log, shaped for each page.

Public pages show members by pseudonym only: these reads never select an email address.
`viewer_for` describes the person looking at a panel in one query, so that permissions
(`participation.panels.permissions`, `participation.indicators.permissions`) are pure functions
of it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.contrib.auth import get_user_model
from django.db.models import Count, Exists, OuterRef, Prefetch, Q, QuerySet, Subquery

from amenagements.models import Amenagement
from participation.models import (
    CitizenPanel,
    DeliberationLogEntry,
    JoinRequest,
    Membership,
    Profile,
)
from participation.profiles.selectors import Person, verified_email

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser, User


@dataclass(frozen=True)
class Viewer(Person):
    """The person looking at a panel page, in the terms permissions need."""

    is_staff: bool = False
    role: str | None = None  # their role in the panel, None when not a member
    has_pending_request: bool = False
    pending_invitation_id: int | None = None

    @property
    def is_member(self) -> bool:
        return self.is_resident and self.role is not None

    @property
    def is_facilitator(self) -> bool:
        return self.is_resident and self.role == Membership.Role.FACILITATOR


ANONYMOUS = Viewer()


def viewer_for(user: User | AnonymousUser, panel: CitizenPanel | None) -> Viewer:
    """Describe `user` relative to `panel` (or to no panel) in one query; none if anonymous."""
    if not user.is_authenticated:
        return ANONYMOUS
    qs = (
        get_user_model()
        .objects.filter(pk=user.pk)
        .annotate(verified=verified_email(OuterRef("pk")))
    )
    fields = ["pk", "is_active", "is_staff", "verified", "profile__suspended_at"]
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
        is_suspended=row["profile__suspended_at"] is not None,
        is_staff=row["is_staff"],
        role=row.get("role"),
        has_pending_request=row.get("pending_request", False),
        pending_invitation_id=row.get("invitation_id"),
    )


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


def _scope_amenagements() -> QuerySet[Amenagement]:
    return Amenagement.objects.only("slug", "name").order_by("name")


def panel_members(panel: CitizenPanel) -> QuerySet[Membership]:
    """Members with their pseudonym, facilitators first. Only the profile is joined: the
    email address is never read for a public page."""
    return (
        Membership.objects.filter(panel=panel)
        .select_related("user__profile")
        .only(
            "role",
            "joined_at",
            "user__id",
            "user__profile__pseudonym",
            # The public name tells a suspension, with its reason.
            "user__profile__suspended_at",
            "user__profile__suspension_reason",
        )
        .order_by("role", "user__profile__pseudonym", "pk")  # "facilitator" < "member"
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


def user_memberships(user: User) -> QuerySet[Membership]:
    return Membership.objects.filter(user=user).select_related("panel").order_by("panel__name")


def user_pending(user: User) -> QuerySet[JoinRequest]:
    """Their pending requests and the invitations awaiting their answer."""
    return (
        JoinRequest.objects.filter(user=user, status=JoinRequest.Status.PENDING)
        .select_related("panel")
        .order_by("created_at", "pk")
    )


def user_by_pseudonym(pseudonym: str) -> User | None:
    """The active account known by `pseudonym` (case and repeated spaces aside), if any."""
    profile = (
        Profile.objects.select_related("user")
        .filter(pseudonym__iexact=" ".join(pseudonym.split()), user__is_active=True)
        .first()
    )
    return profile.user if profile is not None else None
