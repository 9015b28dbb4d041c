"""How a person is shown publicly: one rule for every page, log, sentence and email.

A person is shown by the pseudonym of their profile, never by their email address. An account
with no profile yet (made by `createsuperuser` or the admin) is « Participant·e N »; once the
account is deleted, what it did stays, shown as by « Ancien·ne participant·e ».
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.utils.translation import gettext as _

if TYPE_CHECKING:
    from django.contrib.auth.models import User

    from participation.models import Profile


def public_name(user: User | None) -> str:
    """The name the public sees for `user` (None once the account is deleted)."""
    if user is None:
        return _("Former participant")
    # No profile yet: the reverse one-to-one raises, which getattr turns into None.
    profile: Profile | None = getattr(user, "profile", None)
    if profile is not None:
        return profile.pseudonym
    return _("Participant %(number)s") % {"number": user.pk}
