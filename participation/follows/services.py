"""Writes of following: choosing how often one hears of an arrangement or a commune, and
unsubscribing by a signed link.

Rules:
- following needs an account (a resident's, or anyone's signed in) — what one follows and how
  often is one row per arrangement or commune (`Follow`), changed in place;
- "no message" is kept as a row: it also silences what a rater of the arrangement would
  receive (`notices`), so an unsubscribe is never undone by giving one's opinion again;
- a follow remembers the language it was chosen in: its messages are written in it;
- stopping a follow (or a weekly digest) drops the notices still waiting for its digest;
  moving from weekly to at once keeps them for the next digest.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import IntegrityError, transaction
from django.utils import translation

from amenagements.models import Amenagement, Commune
from participation.follows.tokens import Target
from participation.models import Follow, Frequency, Notice

if TYPE_CHECKING:
    from django.contrib.auth.models import User


def _language() -> str:
    """The active language if the site offers it (`en-gb` → `en`), else the site's."""
    active = (translation.get_language() or settings.LANGUAGE_CODE).split("-")[0]
    offered = {code for code, _name in settings.LANGUAGES}
    return active if active in offered else settings.LANGUAGE_CODE


@transaction.atomic
def follow_set(
    *,
    user: User,
    frequency: str,
    amenagement: Amenagement | None = None,
    commune: Commune | None = None,
    language: str | None = None,
) -> Follow:
    """Set how often `user` hears of `amenagement` or of `commune` (exactly one), in
    `language` (the active one by default). Two requests at once leave one row."""
    if (amenagement is None) == (commune is None):
        raise ValueError("follow_set: give an arrangement or a commune")
    if frequency not in Frequency.values:
        raise ValueError(f"follow_set: unknown frequency {frequency!r}")
    lookup: dict[str, Any] = {"user": user, "amenagement": amenagement, "commune": commune}
    values = {"frequency": frequency, "language": language or _language()}
    try:
        with transaction.atomic():
            follow, _created = Follow.objects.update_or_create(**lookup, defaults=values)
    except IntegrityError:
        # The other request created it meanwhile: change it.
        follow = Follow.objects.select_for_update().get(**lookup)
        for name, value in values.items():
            setattr(follow, name, value)
        follow.save()
    if frequency == Frequency.NONE:
        Notice.objects.filter(follow=follow, sent_at__isnull=True).delete()
    return follow


@transaction.atomic
def unsubscribe_apply(target: Target) -> int:
    """Silence what `target` names (a signed link's); the number of follows now silent.

    An arrangement or a commune gets a "no message" follow (created if the person only
    received messages as a rater); `weekly` stops every weekly digest of the person."""
    user = get_user_model().objects.filter(pk=target.user_id).first()
    if user is None:
        return 0
    if target.weekly:
        silenced = Follow.objects.filter(user=user, frequency=Frequency.WEEKLY).update(
            frequency=Frequency.NONE
        )
        Notice.objects.filter(user=user, weekly=True, sent_at__isnull=True).delete()
        return silenced
    if target.amenagement_id is not None:
        amenagement = Amenagement.objects.filter(pk=target.amenagement_id).first()
        if amenagement is None:
            return 0
        follow_set(user=user, amenagement=amenagement, frequency=Frequency.NONE)
        return 1
    commune = Commune.objects.filter(pk=target.commune_id or 0).first()
    if commune is None:
        return 0
    follow_set(user=user, commune=commune, frequency=Frequency.NONE)
    return 1
