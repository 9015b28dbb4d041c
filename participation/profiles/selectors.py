"""Who a person is to the pages: how they are shown publicly (one rule for every page, log,
sentence and email), and who may take part (`Person.is_resident`).

A person is shown by the pseudonym of their profile, never by their email address. An account
with no profile yet (made by `createsuperuser` or the admin) is « Participant·e N »; once the
account is deleted, what it did stays, shown as by « Ancien·ne participant·e ». A suspended
account is shown with the moderators' public reason, « pseudonym (compte suspendu : reason) »,
and takes part no more (`is_resident`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.db.models import Exists, OuterRef
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
        if profile.suspended_at is not None:
            return _("%(pseudonym)s (suspended account: %(reason)s)") % {
                "pseudonym": profile.pseudonym,
                "reason": profile.suspension_reason,
            }
        return profile.pseudonym
    return _("Participant %(number)s") % {"number": user.pk}


@dataclass(frozen=True)
class Person:
    """The person looking at a page, in the terms every permission of participation needs;
    the panels' `Viewer` and the opinions' `Contributor` add what their pages need."""

    user_id: int | None = None
    is_active: bool = False
    is_verified: bool = False  # has a verified email address (allauth)
    is_suspended: bool = False  # suspended by a moderator (`Profile.suspended_at`)

    @property
    def is_authenticated(self) -> bool:
        return self.user_id is not None

    @property
    def is_resident(self) -> bool:
        """A signed-in, active, not suspended account with a verified email address: may take
        part."""
        return (
            self.is_authenticated and self.is_active and self.is_verified and not self.is_suspended
        )


def verified_email(user_ref: OuterRef) -> Exists:
    """Whether the account `user_ref` points to has a verified email address (a subquery)."""
    from allauth.account.models import EmailAddress

    return Exists(EmailAddress.objects.filter(user=user_ref, verified=True))
