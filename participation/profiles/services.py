"""Writes on profiles: the public pseudonym.

Rules: a pseudonym is unique whatever its case (a database constraint, checked here first to say
so in words); it is the only name ever shown publicly (`selectors.public_name`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext_lazy

from participation.models import Profile

if TYPE_CHECKING:
    from django.contrib.auth.models import User


ERROR_PSEUDONYM_TAKEN = gettext_lazy("This pseudonym is already taken.")


@transaction.atomic
def profile_set_pseudonym(*, user: User, pseudonym: str) -> Profile:
    """Give `user` the public `pseudonym`, creating their profile on first use.

    Raises `ValidationError` if the pseudonym is malformed or taken (whatever its case).
    """
    pseudonym = " ".join(pseudonym.split())
    profile = Profile.objects.filter(user=user).first() or Profile(user=user)
    profile.pseudonym = pseudonym
    profile.full_clean(exclude=["user"], validate_constraints=False)
    taken = Profile.objects.filter(pseudonym__iexact=pseudonym).exclude(user=user).exists()
    if taken:
        raise ValidationError({"pseudonym": ERROR_PSEUDONYM_TAKEN}, code="pseudonym_taken")
    try:
        with transaction.atomic():
            profile.save()
    except IntegrityError:  # taken by a concurrent sign-up between the check and the write
        raise ValidationError(
            {"pseudonym": ERROR_PSEUDONYM_TAKEN}, code="pseudonym_taken"
        ) from None
    return profile


def profile_ensure(*, user: User) -> Profile:
    """The profile of `user`, created with a neutral pseudonym if they have none yet
    (accounts made by `createsuperuser` or the admin)."""
    profile = Profile.objects.filter(user=user).first()
    if profile is not None:
        return profile
    base = f"participant-{user.pk}"
    return profile_set_pseudonym(user=user, pseudonym=base)
