"""What the public knows of an account: its pseudonym, never its email address.

The database holds: a pseudonym is unique whatever its case, and well-formed (letters, digits,
spaces, . _ -); a suspended account has a public reason and the date of its suspension."""

from __future__ import annotations

from django.conf import settings
from django.core.validators import RegexValidator
from django.db import models
from django.db.models import Q
from django.db.models.functions import Lower
from django.utils.translation import gettext_lazy as _

PSEUDONYM_PATTERN = r"^\w[\w .-]{1,28}\w$"
PSEUDONYM_HELP = _(
    "3 to 30 characters: letters, digits, spaces, dots, hyphens or underscores. "
    "It is the only name shown publicly; your email address never is."
)


class Profile(models.Model):
    """What the public knows of an account: its pseudonym. Never the email address."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="profile"
    )
    pseudonym = models.CharField(
        _("pseudonym"),
        max_length=30,
        help_text=PSEUDONYM_HELP,
        validators=[
            RegexValidator(
                PSEUDONYM_PATTERN,
                message=_(
                    "A pseudonym has 3 to 30 characters: letters, digits, spaces, dots, "
                    "hyphens or underscores, and starts and ends with a letter or a digit."
                ),
            )
        ],
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    # A moderator's suspension: the account keeps its data and may sign in, read, download or
    # delete them, but takes part no more; the reason is public (`participation.profiles`).
    suspended_at = models.DateTimeField(_("suspended on"), null=True, blank=True)
    suspension_reason = models.CharField(_("reason for the suspension"), max_length=300, blank=True)
    suspended_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("suspended by"),
    )

    class Meta:
        verbose_name = _("profile")
        verbose_name_plural = _("profiles")
        constraints = [
            models.UniqueConstraint(
                Lower("pseudonym"),
                name="profile_unique_pseudonym_ci",
                violation_error_message=_("This pseudonym is already taken."),
            ),
            models.CheckConstraint(
                condition=Q(pseudonym__regex=PSEUDONYM_PATTERN),
                name="profile_pseudonym_well_formed",
            ),
            models.CheckConstraint(
                condition=Q(suspended_at__isnull=True, suspension_reason="")
                | (Q(suspended_at__isnull=False) & ~Q(suspension_reason="")),
                name="profile_suspension_has_reason",
            ),
        ]

    def __str__(self) -> str:
        return self.pseudonym
