"""Writes of moderation on accounts: a moderator suspends an account with a public reason, and
may reinstate it.

Rules:
- only a moderator acting city-wide suspends (an account is not a commune's: a moderator
  assigned communes asks one who acts for all) — checked by the views
  (`permissions.can_suspend`);
- the reason is required, at most `SUSPENSION_REASON_MAX_LENGTH` characters, and public: it is
  shown with the pseudonym wherever the person is named (`profiles.selectors.public_name`);
- staff and superuser accounts, and one's own, cannot be suspended (the services manage
  their own people);
- a suspended account takes part no more — no opinion, report, stance, comment or proposal
  (`Person.is_resident`) — but may still sign in, read, download and delete its data: what it
  wrote stays, moderated one by one as before;
- suspending and reinstating are rows of `ModerationLogEntry` ("account.suspended",
  "account.reinstated", about the account) written in the same transaction.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from participation.logs import log_record
from participation.models import ModerationLogEntry, Profile
from participation.profiles.services import profile_ensure

if TYPE_CHECKING:
    from django.contrib.auth.models import User

SUSPENSION_REASON_MAX_LENGTH = 120
ACCOUNT_SUSPENDED = "account.suspended"
ACCOUNT_REINSTATED = "account.reinstated"

ERROR_SUSPENSION_REASON = _(
    "Give the reason for the suspension, in at most %(max)s characters: it is shown publicly "
    "with the pseudonym."
)
ERROR_NOT_SUSPENDABLE = _(
    "This account cannot be suspended here: it is your own, or one of the services' (staff "
    "accounts are managed in the administration)."
)
ERROR_ALREADY_SUSPENDED = _("This account is already suspended.")
ERROR_NOT_SUSPENDED = _("This account is not suspended.")


@transaction.atomic
def account_suspend(*, user: User, by: User, reason: str) -> Profile:
    """Suspend `user` with a public `reason` (module rules). Raises `ValidationError` if the
    reason is missing or too long, the account cannot be suspended, or already is."""
    reason = " ".join(reason.split())
    if not reason or len(reason) > SUSPENSION_REASON_MAX_LENGTH:
        raise ValidationError(
            {
                "reason": ValidationError(
                    ERROR_SUSPENSION_REASON,
                    code="reason",
                    params={"max": SUSPENSION_REASON_MAX_LENGTH},
                )
            }
        )
    if user.pk == by.pk or user.is_staff or user.is_superuser:
        raise ValidationError(ERROR_NOT_SUSPENDABLE, code="not_suspendable")
    profile = profile_ensure(user=user)
    profile = Profile.objects.select_for_update().get(pk=profile.pk)
    if profile.suspended_at is not None:
        raise ValidationError(ERROR_ALREADY_SUSPENDED, code="already_suspended")
    profile.suspended_at = timezone.now()
    profile.suspension_reason = reason
    profile.suspended_by = by
    profile.save(update_fields=["suspended_at", "suspension_reason", "suspended_by"])
    log_record(
        ModerationLogEntry,
        action=ACCOUNT_SUSPENDED,
        actor=by,
        account=user,
        payload={"reason": reason},
    )
    return profile


@transaction.atomic
def account_reinstate(*, user: User, by: User) -> Profile:
    """Lift `user`'s suspension. Raises `ValidationError` if the account is not suspended."""
    profile = Profile.objects.select_for_update().filter(user=user).first()
    if profile is None or profile.suspended_at is None:
        raise ValidationError(ERROR_NOT_SUSPENDED, code="not_suspended")
    reason = profile.suspension_reason
    profile.suspended_at = None
    profile.suspension_reason = ""
    profile.suspended_by = None
    profile.save(update_fields=["suspended_at", "suspension_reason", "suspended_by"])
    log_record(
        ModerationLogEntry,
        action=ACCOUNT_REINSTATED,
        actor=by,
        account=user,
        payload={"reason": reason},
    )
    return profile
