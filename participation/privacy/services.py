"""Deleting an account.

Rule: the account and what only makes sense with it go (email addresses, profile and pseudonym,
panel memberships, pending requests, stances); what is part of the public record stays,
anonymised: ratings, comments and spots (their `user` becomes NULL and they are shown as by "a
former participant"), comments and proposals in panels, the panels' public logs, reports (for
the moderation counts) and moderation acts. A stance is a vote in progress: it goes with the
member, as when a member leaves a panel.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db import transaction

from participation.models import Contribution, Report

if TYPE_CHECKING:
    from django.contrib.auth.models import User


@transaction.atomic
def account_delete(*, user: User) -> int:
    """Delete `user`'s account, keeping their opinions anonymised. Returns how many opinions
    were kept.

    The foreign keys do the same (SET NULL); the explicit updates make the rule visible and
    happen first, in the same transaction. The indicators' freeze trigger lets a decided
    definition forget who proposed or adopted it (a person field going to NULL), nothing more.
    """
    kept = Contribution.objects.filter(user=user).update(user=None)
    Report.objects.filter(reporter=user).update(reporter=None)
    user.delete()
    return kept
