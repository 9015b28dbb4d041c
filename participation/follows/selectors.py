"""What the pages show of following: the choices on an arrangement's page, one's follows."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.db.models import Q
from django.urls import reverse

from participation.follows.forms import FollowForm
from participation.models import Follow, Frequency

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser, User

    from amenagements.models import Amenagement


@dataclass(frozen=True)
class FollowChoice:
    """One thing the visitor may follow from a page, with their current choice."""

    kind: str  # "amenagement" or "commune"
    name: str
    action: str  # where the form is sent
    frequency: str  # the current choice; "" when never chosen
    form: FollowForm


def follow_choices(
    user: User | AnonymousUser, amenagement: Amenagement, next_url: str
) -> list[FollowChoice]:
    """The arrangement and its commune, each with `user`'s choice (one query when signed in,
    none for a visitor)."""
    current: dict[tuple[str, int], str] = {}
    if user.is_authenticated:
        targets = Q(amenagement=amenagement)
        if amenagement.commune_id is not None:
            targets |= Q(commune_id=amenagement.commune_id)
        for follow in Follow.objects.filter(targets, user=user):
            if follow.amenagement_id is not None:
                current[("amenagement", follow.amenagement_id)] = follow.frequency
            elif follow.commune_id is not None:
                current[("commune", follow.commune_id)] = follow.frequency

    def choice(kind: str, pk: int, name: str, action: str) -> FollowChoice:
        frequency = current.get((kind, pk), "")
        initial: dict[str, Any] = {"frequency": frequency or Frequency.IMMEDIATE, "next": next_url}
        return FollowChoice(
            kind=kind,
            name=name,
            action=action,
            frequency=frequency,
            form=FollowForm(initial=initial, auto_id=f"id_follow_{kind}_%s"),
        )

    choices = [
        choice(
            "amenagement",
            amenagement.pk,
            amenagement.name,
            reverse("follows:arrangement", kwargs={"slug": amenagement.slug}),
        )
    ]
    commune = amenagement.commune
    if commune is not None:
        choices.append(
            choice(
                "commune",
                commune.pk,
                commune.name,
                reverse("follows:commune", kwargs={"slug": commune.slug}),
            )
        )
    return choices


def user_follows(user: User) -> list[tuple[Follow, FollowForm, str]]:
    """`user`'s follows (but "no message" ones), each with its form and where it is sent;
    arrangements first, by name. One query."""
    rows = []
    follows = (
        Follow.objects.filter(user=user)
        .exclude(frequency=Frequency.NONE)
        .select_related("amenagement", "commune")
    )
    for follow in follows:
        if follow.amenagement is not None:
            action = reverse("follows:arrangement", kwargs={"slug": follow.amenagement.slug})
        elif follow.commune is not None:
            action = reverse("follows:commune", kwargs={"slug": follow.commune.slug})
        else:  # the table's constraint forbids it
            continue
        form = FollowForm(
            initial={"frequency": follow.frequency, "next": reverse("participation:profile")},
            auto_id=f"id_follow{follow.pk}_%s",  # several forms on the page
        )
        rows.append((follow, form, action))
    rows.sort(key=lambda r: (r[0].amenagement is None, str(r[0].amenagement or r[0].commune)))
    return rows
